// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gatewayProc is a running modelgate binary started by startGateway.
type gatewayProc struct {
	// URL is the gateway's base URL, http://127.0.0.1:port.
	URL string
	// Pid is the gateway's process id.
	Pid  int
	cmd  *exec.Cmd
	logs *tailBuffer
	done chan error // receives cmd.Wait's result once

	mu       sync.Mutex
	requests []logged
}

// startGateway writes cfg (YAML) to a temporary file, starts
// `modelgate serve --config F --listen 127.0.0.1:0`, and returns once the
// gateway logged its bound address. The gateway is stopped with SIGTERM
// when the test ends; a failed test gets the tail of its log.
func startGateway(t *testing.T, e *liveEnv, cfg string) *gatewayProc {
	t.Helper()
	path := filepath.Join(t.TempDir(), "modelgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatalf("writing the config: %v", err)
	}
	return startGatewayFile(t, e, path, nil)
}

// startGatewayFile is startGateway with a config file of its own and
// extra environment variables (MODELGATE_* overrides), run in the
// repository root.
func startGatewayFile(t *testing.T, e *liveEnv, path string, env []string) *gatewayProc {
	t.Helper()
	cmd := exec.Command(e.Bin, "serve", "--config", path, "--listen", "127.0.0.1:0")
	cmd.Dir = e.Repo
	cmd.Env = append(gatewayEnv(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatalf("stderr pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", e.Bin, err)
	}
	g := &gatewayProc{Pid: cmd.Process.Pid, cmd: cmd, logs: newTailBuffer(400), done: make(chan error, 1)}
	addr := make(chan string, 1)
	go g.readLog(stderr, addr)
	go func() { g.done <- cmd.Wait() }()
	t.Cleanup(func() { g.stop(t) })
	select {
	case a := <-addr:
		g.URL = "http://" + a
	case err := <-g.done:
		g.done <- err
		cfg, _ := os.ReadFile(path)
		t.Fatalf("modelgate exited before listening (%v); config:\n%s\nlog:\n%s", err, cfg, g.logs)
	case <-time.After(15 * time.Second):
		t.Fatalf("modelgate did not log its address within 15s; log:\n%s", g.logs)
	}
	return g
}

// gatewayEnv is the test's environment without MODELGATE_* variables, so
// only the written config counts (modelgate reads every MODELGATE_*
// variable as a config key, and rejects MODELGATE_BIN as an unknown one).
func gatewayEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MODELGATE_") {
			env = append(env, kv)
		}
	}
	return env
}

// readLog keeps the tail of the gateway's JSON log and sends the address
// of its "listening" line.
func (g *gatewayProc) readLog(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		g.logs.add(line)
		if sent {
			g.record(line)
			continue
		}
		var l struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" && l.Addr != "" {
			addr <- l.Addr
			sent = true
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// stop sends SIGTERM and waits for a clean exit (status 0) within 20 s,
// then kills. A failed test gets the tail of the log.
func (g *gatewayProc) stop(t *testing.T) {
	t.Helper()
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-g.done:
		g.done <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Errorf("modelgate exited with %v after SIGTERM, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		_ = g.cmd.Process.Kill()
		t.Errorf("modelgate did not stop within 20s of SIGTERM; killed")
	}
	if t.Failed() {
		t.Logf("modelgate log (last lines):\n%s", g.logs)
	}
}

// logged is one "request" line of the gateway's log: what the gateway
// itself measured for a request.
type logged struct {
	Status   int           `json:"status"`
	Duration time.Duration `json:"duration"` // slog writes durations in ns
	Route    string        `json:"route"`
	Error    string        `json:"error"`
}

// record keeps the request lines of the log.
func (g *gatewayProc) record(line string) {
	var l struct {
		Msg string `json:"msg"`
		logged
	}
	if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "request" {
		return
	}
	g.mu.Lock()
	g.requests = append(g.requests, l.logged)
	g.mu.Unlock()
}

// Requests returns the requests the gateway has logged so far.
func (g *gatewayProc) Requests() []logged {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.requests)
}

// Log returns the retained tail of the gateway's log.
func (g *gatewayProc) Log() string { return g.logs.String() }

// tailBuffer keeps the last n lines written to it. Safe for concurrent use.
type tailBuffer struct {
	mu    sync.Mutex
	n     int
	lines []string
}

func newTailBuffer(n int) *tailBuffer { return &tailBuffer{n: n} }

func (b *tailBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
	if len(b.lines) > 2*b.n {
		b.lines = append(b.lines[:0], b.lines[len(b.lines)-b.n:]...)
	}
}

// String returns the last n lines.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lines
	if len(l) > b.n {
		l = l[len(l)-b.n:]
	}
	return strings.Join(l, "\n")
}
