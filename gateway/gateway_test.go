// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ok := Target{Backend: "b", Adapter: &fake{}}
	tests := []struct {
		name string
		opts Options
		want []string // substrings of the error; nil: valid
	}{
		{"valid", oneRoute(time.Second, ok), nil},
		{"no routes is valid", Options{}, nil},
		{"duplicate names", Options{Routes: []Route{{Name: "a", Targets: []Target{ok}}, {Name: "a", Targets: []Target{ok}}}},
			[]string{`routes[1].name: duplicate route name "a" (also routes[0])`}},
		{"empty name", Options{Routes: []Route{{Targets: []Target{ok}}}}, []string{"routes[0].name: must not be empty"}},
		{"slash in name", Options{Routes: []Route{{Name: "a/b", Targets: []Target{ok}}}},
			[]string{`routes[0].name: "a/b" must not contain '/' or ':'`}},
		{"no targets", Options{Routes: []Route{{Name: "a"}}}, []string{"routes[0].targets: need at least one target"}},
		{"bad target", Options{Routes: []Route{{Name: "a", Targets: []Target{{}}}}},
			[]string{"routes[0].targets[0].backend: must not be empty", "routes[0].targets[0].adapter: must not be nil"}},
		{"negative values", Options{MaxBodyBytes: -1, DrainDelay: -time.Second, Routes: []Route{{Name: "a", Timeout: -1, Targets: []Target{ok}}}},
			[]string{"max_body_bytes: must not be negative", "drain_delay: must not be negative", "routes[0].timeout: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("New: got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New: got no error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New: got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestRunDrains checks graceful shutdown: readiness turns 503 during the
// drain delay while the listener still accepts, an in-flight request
// completes, and Run returns nil.
func TestRunDrains(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{})
	a := &fake{infer: func(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &adapters.Response{Outputs: req.Inputs}, nil
	}}
	opts := oneRoute(10*time.Second, Target{Backend: "a", Adapter: a})
	opts.DrainDelay = 300 * time.Millisecond
	opts.ShutdownTimeout = 5 * time.Second
	g := newGateway(t, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- g.Run(ctx, ln) }()

	if code := get(t, base+"/v2/health/ready"); code != 200 {
		t.Fatalf("ready before shutdown: got %d, want 200", code)
	}
	inflight := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/v2/models/iris/infer", "application/json", strings.NewReader(inferBody))
		if err != nil {
			t.Errorf("in-flight request: %v", err)
			inflight <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		inflight <- resp.StatusCode
	}()
	<-started
	stop()
	waitFor(t, g.Draining)
	if code := get(t, base+"/v2/health/ready"); code != 503 {
		t.Errorf("ready while draining: got %d, want 503", code)
	}
	close(release)
	if code := <-inflight; code != 200 {
		t.Errorf("in-flight request: got %d, want 200", code)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run: got %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
	if _, err := http.Get(base + "/v2/health/live"); err == nil {
		t.Error("after Run returned: got a response, want connection refused")
	}
}

// TestRunShutdownTimeout checks that Run gives up on a request that
// outlives ShutdownTimeout and reports it.
func TestRunShutdownTimeout(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	a := &fake{infer: func(ctx context.Context, r *adapters.Request) (*adapters.Response, error) {
		close(started)
		return hang(ctx, r)
	}}
	opts := oneRoute(0, Target{Backend: "a", Adapter: a})
	opts.ShutdownTimeout = 50 * time.Millisecond
	g := newGateway(t, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- g.Run(ctx, ln) }()
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/v2/models/iris/infer", "", strings.NewReader(inferBody))
		if err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-started
	stop()
	select {
	case err := <-ran:
		if err == nil || !strings.Contains(err.Error(), "did not finish within 50ms") {
			t.Errorf("Run: got %v, want a shutdown timeout error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

// get returns the status of GET url.
func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}
