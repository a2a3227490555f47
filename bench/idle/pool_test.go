// SPDX-License-Identifier: Apache-2.0

package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPoolHoldsConnections checks connections are opened, each request
// reaches the server, and the second round reuses the same connections.
func TestPoolHoldsConnections(t *testing.T) {
	t.Parallel()
	var requests, conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Error(err)
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	body := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(body, []byte(`{"inputs":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(srv.URL, "http://")
	req, err := buildRequest(addr, "/v2/models/m/infer", body)
	if err != nil {
		t.Fatal(err)
	}
	p := &pool{addr: addr, req: req, timeout: 5 * time.Second, parallel: 8}
	p.open(40)
	defer p.closeAll()
	if got := len(p.conns); got != 40 {
		t.Fatalf("open: got %d connections, want 40 (first error: %s)", got, p.firstErr())
	}
	if got := p.again(); got != 40 {
		t.Errorf("again: got %d answers, want 40 (first error: %s)", got, p.firstErr())
	}
	if got := requests.Load(); got != 80 {
		t.Errorf("server saw %d requests, want 80", got)
	}
	if got := conns.Load(); got != 40 {
		t.Errorf("server saw %d connections, want 40 (each reused once)", got)
	}
}

// TestPoolReportsClosingServer checks a server that closes connections
// after answering is reported, not counted as held.
func TestPoolReportsClosingServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	req, err := buildRequest(addr, "/v2/health/live", "")
	if err != nil {
		t.Fatal(err)
	}
	p := &pool{addr: addr, req: req, timeout: 5 * time.Second, parallel: 2}
	p.open(3)
	if got := len(p.conns); got != 0 {
		t.Errorf("open: got %d held connections, want 0", got)
	}
	if !strings.Contains(p.firstErr(), "closes the connection") {
		t.Errorf("first error: got %q, want it to say the server closes connections", p.firstErr())
	}
}

// TestRSS checks the VmRSS read of this process.
func TestRSS(t *testing.T) {
	t.Parallel()
	got, err := rss(os.Getpid())
	if err != nil {
		t.Fatalf("rss: %v", err)
	}
	if got < 1<<20 || got > 1<<34 {
		t.Errorf("rss: got %d bytes, want a plausible size", got)
	}
}
