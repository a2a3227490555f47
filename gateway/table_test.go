// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

func TestSetRoutesReplacesEveryRoute(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{}}))
	b := &fake{}
	if err := g.SetRoutes([]Route{{Name: "rose", Targets: []Target{{Backend: "b", Adapter: b}}}}); err != nil {
		t.Fatalf("SetRoutes: %v", err)
	}
	wantStatus(t, do(t, g, "POST", "/v2/models/iris/infer", inferBody), http.StatusNotFound, "")
	rec := do(t, g, "POST", "/v2/models/rose/infer", inferBody)
	wantStatus(t, rec, http.StatusOK, "")
	if got := rec.Result().Header.Get(HeaderBackend); got != "b" {
		t.Errorf("got backend %q, want \"b\"", got)
	}
	if got := strings.Join(b.Calls(), ","); got != "infer rose" {
		t.Errorf("got calls %q, want \"infer rose\" (the route name as the default backend model)", got)
	}
	rec = do(t, g, "POST", "/v2/repository/index", "")
	wantStatus(t, rec, http.StatusOK, `[{"name":"rose","state":"READY"}]`)
	wantStatus(t, do(t, g, "POST", "/v1/models/iris:predict", `{"instances":[1]}`), http.StatusNotFound, "")
}

func TestSetRoutesRejectsInvalidRoutesAndKeepsTheOldOnes(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{}}))
	ok := Target{Backend: "b", Adapter: &fake{}}
	tests := []struct {
		name   string
		routes []Route
		want   string
	}{
		{"duplicate names", []Route{{Name: "x", Targets: []Target{ok}}, {Name: "x", Targets: []Target{ok}}},
			`routes[1].name: duplicate route name "x" (also routes[0])`},
		{"no targets", []Route{{Name: "x"}}, "routes[0].targets: need at least one target"},
		{"nil adapter", []Route{{Name: "x", Targets: []Target{{Backend: "b"}}}}, "routes[0].targets[0].adapter: must not be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.SetRoutes(tt.routes)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SetRoutes: got %v, want an error containing %q", err, tt.want)
			}
			wantStatus(t, do(t, g, "POST", "/v2/models/iris/infer", inferBody), http.StatusOK, "")
			wantStatus(t, do(t, g, "POST", "/v2/models/x/infer", inferBody), http.StatusNotFound, "")
		})
	}
}

// TestSetRoutesLetsInFlightRequestsFinishOnTheirRoutes swaps the routes
// while a request is inside its adapter: it must finish on the old target,
// and the next request must use the new one.
func TestSetRoutesLetsInFlightRequestsFinishOnTheirRoutes(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	old := &fake{infer: func(ctx context.Context, r *adapters.Request) (*adapters.Response, error) {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &adapters.Response{Outputs: r.Inputs}, nil
	}}
	g := newGateway(t, oneRoute(10*time.Second, Target{Backend: "old", Adapter: old}))
	done := make(chan string, 1)
	go func() {
		rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody)
		done <- rec.Result().Header.Get(HeaderBackend) + " " + http.StatusText(rec.Code)
	}()
	<-started
	if err := g.SetRoutes([]Route{{Name: "iris", Targets: []Target{{Backend: "new", Adapter: &fake{}}}}}); err != nil {
		t.Fatalf("SetRoutes: %v", err)
	}
	rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody)
	if got := rec.Result().Header.Get(HeaderBackend); got != "new" || rec.Code != http.StatusOK {
		t.Errorf("request after the swap: got %d from %q, want 200 from \"new\"", rec.Code, got)
	}
	close(release)
	if got := <-done; got != "old OK" {
		t.Errorf("in-flight request: got %q, want \"old OK\"", got)
	}
}

// TestSetRoutesConcurrentWithRequests swaps routes while requests run; the
// race detector checks the swap, and every request must be answered by one
// of the two configurations.
func TestSetRoutesConcurrentWithRequests(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{}}))
	sets := [][]Route{
		{{Name: "iris", Targets: []Target{{Backend: "b", Adapter: &fake{}}}}},
		{{Name: "iris", Targets: []Target{{Backend: "a", Adapter: &fake{}}}}},
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 25 {
				if i == 0 {
					if err := g.SetRoutes(sets[j%2]); err != nil {
						t.Errorf("SetRoutes: %v", err)
					}
					continue
				}
				rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody)
				if b := rec.Result().Header.Get(HeaderBackend); rec.Code != http.StatusOK || (b != "a" && b != "b") {
					t.Errorf("got %d from %q, want 200 from \"a\" or \"b\"", rec.Code, b)
				}
			}
		})
	}
	wg.Wait()
}

// TestSetShutdownTimeoutsAppliesToTheNextShutdown checks that a reloaded
// shutdown_timeout replaces the one given to New.
func TestSetShutdownTimeoutsAppliesToTheNextShutdown(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	a := &fake{infer: func(ctx context.Context, r *adapters.Request) (*adapters.Response, error) {
		close(started)
		return hang(ctx, r)
	}}
	opts := oneRoute(0, Target{Backend: "a", Adapter: a})
	opts.ShutdownTimeout = time.Minute
	g := newGateway(t, opts)
	g.SetShutdownTimeouts(50*time.Millisecond, 0)
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
			t.Errorf("Run: got %v, want a shutdown timeout error after 50ms", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return: the reloaded shutdown timeout was not applied")
	}
}

func TestProtocolOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"/v2/models/iris/infer", "v2"},
		{"/v2", "v2"},
		{"/v2/health/ready", "v2"},
		{"/v1/models/iris:predict", "v1"},
		{"/V1/models/iris:predict", "v1"},
		{"/v1", ""},
		{"/v20/x", ""},
		{"/metrics", ""},
		{"/admin/backends", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		if got := protocolOf(tt.path); got != tt.want {
			t.Errorf("protocolOf(%q): got %q, want %q", tt.path, got, tt.want)
		}
	}
}
