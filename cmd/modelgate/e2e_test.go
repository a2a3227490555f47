// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// e2eVersion is stamped into the test binary with -ldflags -X.
const e2eVersion = "v0.0.0-e2e"

// binPath is the modelgate binary TestMain builds for the end-to-end tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "modelgate-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "modelgate")
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+e2eVersion, "-o", binPath, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gatewayConfig is a config routing "sum" and "slow" to the fake backend.
func gatewayConfig(backendURL string) string {
	return fmt.Sprintf(`
server:
  listen: "127.0.0.1:0"
  shutdown_timeout: 20s
backends:
  - name: fake
    kind: oip
    url: %s
    timeout: 30s
models:
  - {name: sum, timeout: 10s, targets: [{backend: fake}]}
  - {name: slow, timeout: 30s, targets: [{backend: fake}]}
`, backendURL)
}

// writeConfig writes body to a file in a test directory.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "modelgate.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// listenAddr scans JSON log lines from r into logs and sends the address of
// the "listening" line on addr.
func listenAddr(r io.Reader, logs io.Writer, addr chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		fmt.Fprintf(logs, "%s\n", line)
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
			addr <- rec.Addr
		}
	}
}

// proc is a running `modelgate serve`.
type proc struct {
	cmd  *exec.Cmd
	base string // http://host:port
	logs *syncBuffer
	done chan error // Wait's result
}

// startServe starts the binary on config and waits for its address.
func startServe(t *testing.T, config string) *proc {
	t.Helper()
	p := &proc{logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binPath, "serve", "--config", config, "--log-level", "debug")
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		listenAddr(stderr, p.logs, addr)
		close(scanned)
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it all first
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("modelgate logs:\n%s", p.logs)
		}
	})
	select {
	case a := <-addr:
		p.base = "http://" + a
	case err := <-p.done:
		p.done <- err
		t.Fatalf("modelgate exited before listening: %v\n%s", err, p.logs)
	case <-time.After(20 * time.Second):
		t.Fatalf("no \"listening\" log line after 20s:\n%s", p.logs)
	}
	return p
}

// post sends a JSON body and returns the status, headers and body.
func post(t *testing.T, url, body string) (int, http.Header, []byte) {
	t.Helper()
	status, hdr, b, err := doPost(t.Context(), url, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, hdr, b
}

// doPost is post for goroutines other than the test's.
func doPost(ctx context.Context, url, body string) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("POST %s: read: %w", url, err)
	}
	return resp.StatusCode, resp.Header, b, nil
}

// jsonValue decodes data keeping numbers as written.
func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func TestEndToEndServe(t *testing.T) {
	t.Parallel()
	fake := newFakeOIP(t)
	p := startServe(t, writeConfig(t, gatewayConfig(fake.fakeURL())))

	tests := []struct {
		name, path, body, want string
	}{
		{
			"OIP v2 infer",
			"/v2/models/sum/infer",
			`{"id": "r-1", "inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP64", "data": [[1, 2, 3], [4, 5, 6.5]]}]}`,
			// The outputs go out as the backend wrote them (encoding/json: 6,
			// not 6.0); the head is the gateway's.
			`{"model_name": "sum", "model_version": "1", "id": "r-1",
			  "outputs": [{"name": "sum", "shape": [2], "datatype": "FP64", "data": [6, 15.5]}]}`,
		},
		{
			"TF Serving v1 row predict",
			"/v1/models/sum:predict",
			`{"instances": [[1, 2], [3, 4], [5, 6]]}`,
			`{"predictions": [3.0, 7.0, 11.0]}`,
		},
		{
			"TF Serving v1 columnar predict",
			"/v1/models/sum:predict",
			`{"inputs": {"x": [[0.5, 0.25], [10, -1]]}}`,
			`{"outputs": [0.75, 9.0]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := post(t, p.base+tt.path, tt.body)
			if status != http.StatusOK {
				t.Fatalf("got status %d, want 200; body %s", status, body)
			}
			if diff := cmp.Diff(jsonValue(t, []byte(tt.want)), jsonValue(t, body)); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			if got := hdr.Get("X-Modelgate-Backend"); got != "fake" {
				t.Errorf("got X-Modelgate-Backend %q, want \"fake\"", got)
			}
			if got := hdr.Get("X-Modelgate-Attempts"); got != "1" {
				t.Errorf("got X-Modelgate-Attempts %q, want \"1\"", got)
			}
		})
	}
	t.Run("unknown model", func(t *testing.T) {
		status, _, body := post(t, p.base+"/v2/models/nope/infer", `{"inputs": []}`)
		if status != http.StatusNotFound {
			t.Errorf("got status %d, want 404; body %s", status, body)
		}
	})

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(t, p); err != nil {
		t.Errorf("got exit %v after SIGTERM, want 0", err)
	}
}

// waitExit waits for the process to exit.
func waitExit(t *testing.T, p *proc) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("modelgate did not exit 30s after SIGTERM:\n%s", p.logs)
		return nil
	}
}

func TestEndToEndSIGTERMDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	fake := newFakeOIP(t)
	p := startServe(t, writeConfig(t, gatewayConfig(fake.fakeURL())))

	type result struct {
		status int
		body   []byte
		err    error
	}
	got := make(chan result, 1)
	go func() {
		status, _, body, err := doPost(t.Context(), p.base+"/v2/models/slow/infer",
			`{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [20, 22]}]}`)
		got <- result{status, body, err}
	}()
	select {
	case <-fake.started:
	case <-time.After(20 * time.Second):
		t.Fatalf("the slow request never reached the backend:\n%s", p.logs)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The gateway must keep the in-flight request alive while draining.
	waitLog(t, p, `"msg":"draining"`)
	select {
	case err := <-p.done:
		t.Fatalf("modelgate exited (%v) with a request in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	fake.releaseSlow()

	r := <-got
	if r.err != nil {
		t.Fatalf("in-flight request: %v", r.err)
	}
	if r.status != http.StatusOK {
		t.Fatalf("in-flight request: got status %d, want 200; body %s", r.status, r.body)
	}
	want := `{"model_name": "slow", "model_version": "1", "id": "",
	  "outputs": [{"name": "sum", "shape": [1], "datatype": "FP64", "data": [42]}]}`
	if diff := cmp.Diff(jsonValue(t, []byte(want)), jsonValue(t, r.body)); diff != "" {
		t.Errorf("in-flight body mismatch (-want +got):\n%s", diff)
	}
	if err := waitExit(t, p); err != nil {
		t.Errorf("got exit %v after draining, want 0", err)
	}
}

// waitLog waits until the logs contain s.
func waitLog(t *testing.T, p *proc, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %s after 20s:\n%s", s, p.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEndToEndValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		config   string
		wantCode int
		want     string
	}{
		{"good file", gatewayConfig("http://127.0.0.1:1"), 0, "ok\n"},
		{
			"bad file lists every problem",
			`
server: {listen: "nope"}
backends:
  - {name: fake, kind: oip, url: "ftp://x"}
  - {name: fake, kind: soap, url: "http://y"}
models:
  - {name: sum, targets: [{backend: ghost}, {backend: fake, tfserving: {format: row}}]}
`,
			1,
			`server.listen: must be host:port, e.g. "127.0.0.1:8080" (got "nope")
backends[0].url: must be an absolute http(s) URL (got "ftp://x")
backends[1].kind: must be one of tfserving, torchserve, mlflow, bentoml, oip (got "soap")
backends[1].name: duplicate name "fake" (also backends[0])
models[0].targets[0].backend: unknown backend "ghost"
models[0].targets[1].tfserving: set but backend "fake" is kind oip
`,
		},
		{
			"unknown keys are listed with the other problems",
			"server: {listn: x}\nbackends: [{name: a, kind: oip, url: 'http://a', retyr: {}}]\n",
			1,
			"server.listn: unknown key\nbackends[0].retyr: unknown key\nmodels: at least one model is required\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(binPath, "validate", "--config", writeConfig(t, tt.config))
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Errorf("got exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if diff := cmp.Diff(tt.want, stdout.String()); diff != "" {
				t.Errorf("stdout mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEndToEndVersion(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binPath, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "modelgate "+e2eVersion+" go") {
		t.Errorf("got %q, want \"modelgate %s go…\"", out, e2eVersion)
	}
}

// TestEndToEndSIGHUPReloads sends a real SIGHUP to the binary: the new
// file's routes serve, and the process keeps running.
func TestEndToEndSIGHUPReloads(t *testing.T) {
	t.Parallel()
	fake := newFakeOIP(t)
	path := writeConfig(t, gatewayConfig(fake.fakeURL()))
	p := startServe(t, path)
	if err := os.WriteFile(path, []byte(reloadedConfig(fake.fakeURL())), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, `"msg":"config reloaded"`)
	if status, _, body := post(t, p.base+"/v2/models/total/infer", sumBody); status != http.StatusOK {
		t.Errorf("new route after SIGHUP: got %d %s, want 200", status, body)
	}
	if status, _, _ := post(t, p.base+"/v2/models/sum/infer", sumBody); status != http.StatusNotFound {
		t.Errorf("removed route after SIGHUP: got %d, want 404", status)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(t, p); err != nil {
		t.Errorf("got exit %v after SIGTERM, want 0", err)
	}
}
