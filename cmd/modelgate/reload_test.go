// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// server is serveConfig running in the test process.
type server struct {
	base   string // http://host:port
	logs   *syncBuffer
	hup    chan os.Signal
	cancel context.CancelFunc
	done   chan error
}

// startInProcess runs serveConfig on the file at path.
func startInProcess(t *testing.T, path string) *server {
	t.Helper()
	s := &server{logs: &syncBuffer{}, hup: make(chan os.Signal, 1), done: make(chan error, 1)}
	log := slog.New(slog.NewJSONHandler(s.logs, nil))
	ctx, cancel := context.WithCancel(t.Context())
	s.cancel = cancel
	go func() { s.done <- serveConfig(ctx, path, "127.0.0.1:0", noEnv, log, s.hup) }()
	t.Cleanup(func() {
		cancel()
		<-s.done
		if t.Failed() {
			t.Logf("logs:\n%s", s.logs)
		}
	})
	line := s.waitLog(t, `"msg":"listening"`)
	var rec struct{ Addr string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	s.base = "http://" + rec.Addr
	return s
}

// waitLog waits for a log line containing sub and returns it.
func (s *server) waitLog(t *testing.T, sub string) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for line := range strings.SplitSeq(s.logs.String(), "\n") {
			if strings.Contains(line, sub) {
				return line
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("serve returned %v while waiting for %s", err, sub)
		default:
		}
	}
	t.Fatalf("no log line with %s after 20s", sub)
	return ""
}

// reload rewrites the config file and sends the SIGHUP equivalent; it
// waits for the log line with sub, the n-th of its kind.
func (s *server) reload(t *testing.T, path, body, sub string, n int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s.hup <- syscall.SIGHUP
	for deadline := time.Now().Add(20 * time.Second); strings.Count(s.logs.String(), sub) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line %d with %s after 20s", n, sub)
		}
	}
}

// get returns the status and body of GET url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

const sumBody = `{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}`

// reloadedConfig routes "total" (backend model "sum") instead of "sum" and
// "slow", with a changed backend timeout (a new client) and body limit
// (needs a restart).
func reloadedConfig(backendURL string) string {
	return fmt.Sprintf(`
server:
  listen: "127.0.0.1:0"
  max_body_bytes: 1MiB
backends:
  - name: fake
    kind: oip
    url: %s
    timeout: 20s
models:
  - {name: total, timeout: 10s, targets: [{backend: fake, model: sum}]}
`, backendURL)
}

// TestServeReloadsConfiguration runs serve in process and reloads it: a
// good file swaps the routes while a request is in flight on the old ones;
// a bad file is rejected with every problem logged and the old routes keep
// serving.
func TestServeReloadsConfiguration(t *testing.T) {
	t.Parallel()
	fake := newFakeOIP(t)
	path := writeConfig(t, gatewayConfig(fake.fakeURL()))
	s := startInProcess(t, path)
	if status, _, body := post(t, s.base+"/v2/models/sum/infer", sumBody); status != http.StatusOK {
		t.Fatalf("before reload: got %d %s, want 200", status, body)
	}

	inflight := make(chan int, 1)
	go func() {
		status, _, _, _ := doPost(t.Context(), s.base+"/v2/models/slow/infer", sumBody)
		inflight <- status
	}()
	<-fake.started
	s.reload(t, path, reloadedConfig(fake.fakeURL()), `"msg":"config reloaded"`, 1)
	for _, tt := range []struct {
		model string
		want  int
	}{{"total", 200}, {"sum", 404}, {"slow", 404}} {
		if status, _, body := post(t, s.base+"/v2/models/"+tt.model+"/infer", sumBody); status != tt.want {
			t.Errorf("after reload, %s: got %d %s, want %d", tt.model, status, body, tt.want)
		}
	}
	fake.releaseSlow()
	if got := <-inflight; got != http.StatusOK {
		t.Errorf("request in flight during the reload: got %d, want 200", got)
	}
	line := s.waitLog(t, "needs restart")
	if !strings.Contains(line, `"key":"server.max_body_bytes"`) || !strings.Contains(line, `"configured":"1MiB"`) {
		t.Errorf("got %s, want a needs-restart warning for server.max_body_bytes", line)
	}
	if strings.Count(s.logs.String(), "needs restart") != 1 {
		t.Errorf("got several needs-restart warnings, want one (only max_body_bytes changed):\n%s", s.logs)
	}
	_, cfgAfterGood := get(t, s.base+"/admin/config")

	bad := `
backends:
  - {name: fake, kind: oip, url: "ftp://x"}
models:
  - {name: total, targets: [{backend: ghost}]}
`
	s.reload(t, path, bad, `"msg":"config reload rejected: keeping the running configuration"`, 1)
	for _, problem := range []string{
		`backends[0].url: must be an absolute http(s) URL (got \"ftp://x\")`,
		`models[0].targets[0].backend: unknown backend \"ghost\"`,
	} {
		if !strings.Contains(s.logs.String(), `"msg":"config reload failed","path":"`+path+`","problem":"`+problem+`"`) {
			t.Errorf("no log line for problem %s", problem)
		}
	}
	if status, _, body := post(t, s.base+"/v2/models/total/infer", sumBody); status != http.StatusOK {
		t.Errorf("after a rejected reload: got %d %s, want 200 from the kept configuration", status, body)
	}
	var before, after configInfo
	if err := json.Unmarshal([]byte(cfgAfterGood), &before); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, s.base+"/admin/config")
	if err := json.Unmarshal([]byte(body), &after); err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || after.Path != path || after.LastReloadFailure == nil ||
		len(after.LastReloadFailure.Problems) != 2 {
		t.Errorf("/admin/config after a rejected reload: got %s, want version %s, path and 2 problems", body, before.Version)
	}
	_, metricsText := get(t, s.base+"/metrics")
	for _, series := range []string{
		`modelgate_config_reloads_total{result="success"} 1`,
		`modelgate_config_reloads_total{result="failure"} 1`,
		`modelgate_requests_total{backend="fake",protocol="v2",route="total",status="200"} 2`,
		`modelgate_requests_total{backend="fake",protocol="v2",route="slow",status="200"} 1`,
	} {
		if !strings.Contains(metricsText, series+"\n") {
			t.Errorf("/metrics: no %s", series)
		}
	}
}

// TestServeAdminAndMetrics checks the operations endpoints of a running
// serve: backends, config, route explanation and metrics.
func TestServeAdminAndMetrics(t *testing.T) {
	t.Parallel()
	fake := newFakeOIP(t)
	path := writeConfig(t, gatewayConfig(fake.fakeURL()))
	s := startInProcess(t, path)
	if status, _, body := post(t, s.base+"/v2/models/sum/infer", sumBody); status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", status, body)
	}

	_, body := get(t, s.base+"/admin/backends")
	var backends []backendInfo
	if err := json.Unmarshal([]byte(body), &backends); err != nil {
		t.Fatal(err)
	}
	if len(backends) != 1 || backends[0].Name != "fake" || backends[0].Kind != "oip" ||
		backends[0].URL != fake.fakeURL() || backends[0].Counters.Attempts != 1 ||
		len(backends[0].Breakers) != 1 || backends[0].Breakers[0].State != "closed" {
		t.Errorf("/admin/backends: got %s, want backend fake with 1 attempt and a closed breaker", body)
	}

	_, body = get(t, s.base+"/admin/config")
	var info configInfo
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatal(err)
	}
	if len(info.Version) != 64 || info.Path != path || info.Models != 2 || info.Backends != 1 ||
		time.Since(info.LoadedAt) > time.Minute || info.LastReloadFailure != nil {
		t.Errorf("/admin/config: got %s", body)
	}

	_, body = get(t, s.base+"/admin/routes/sum")
	want := `{"name":"sum","timeout":"10s","timeout_seconds":10,"fallback_on":"the next target is tried when one is ` +
		`unavailable (down, breaker open, concurrency limit full) or rate limited, while the deadline allows",` +
		`"targets":[{"backend":"fake","model":"sum","version":"","details":{"kind":"oip","breaker_key":"","breaker":"closed"}}]}`
	if body != want {
		t.Errorf("/admin/routes/sum:\ngot  %s\nwant %s", body, want)
	}

	_, metricsText := get(t, s.base+"/metrics")
	for _, series := range []string{
		`modelgate_requests_total{backend="fake",protocol="v2",route="sum",status="200"} 1`,
		`modelgate_upstream_attempts_total{backend="fake"} 1`,
		`modelgate_breaker_state{backend="fake",key=""} 0`,
		`modelgate_build_info{version="dev"} 1`,
	} {
		if !strings.Contains(metricsText, series+"\n") {
			t.Errorf("/metrics: no %s", series)
		}
	}
}
