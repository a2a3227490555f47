// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// fakeAdmin is a scripted AdminSource.
type fakeAdmin struct{}

func (fakeAdmin) Backends() any {
	return []map[string]any{{"name": "a", "kind": "oip", "in_flight": 2}}
}

func (fakeAdmin) Config() any {
	return map[string]string{"version": "sha256:abc", "path": "/etc/modelgate.yaml"}
}

// describeWith returns a Target.Describe reporting *state as it is when called.
func describeWith(kind string, state *atomic.Value) func() any {
	return func() any { return map[string]any{"kind": kind, "breaker": state.Load()} }
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	var stateA atomic.Value
	stateA.Store("closed")
	opts := Options{Routes: []Route{
		{Name: "iris", Timeout: 1500 * time.Millisecond, Targets: []Target{
			{Backend: "a", Model: adapters.ModelRef{Name: "sk-iris", Version: "2"}, Adapter: &fake{},
				Describe: describeWith("oip", &stateA)},
			{Backend: "b", Adapter: &fake{}},
		}},
		{Name: "rose", Targets: []Target{{Backend: "b", Adapter: &fake{}}}},
	}}
	opts.Admin = fakeAdmin{}
	g := newGateway(t, opts)
	stateA.Store("open") // Describe is called at request time
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"backends", "/admin/backends", 200, `[{"in_flight":2,"kind":"oip","name":"a"}]`},
		{"config", "/admin/config", 200, `{"path":"/etc/modelgate.yaml","version":"sha256:abc"}`},
		{
			"route with a fallback", "/admin/routes/iris", 200,
			`{"name":"iris","timeout":"1.5s","timeout_seconds":1.5,"fallback_on":"` + fallbackRule + `","targets":[` +
				`{"backend":"a","model":"sk-iris","version":"2","details":{"breaker":"open","kind":"oip"}},` +
				`{"backend":"b","model":"iris","version":""}]}`,
		},
		{
			"route without a timeout", "/admin/routes/rose", 200,
			`{"name":"rose","timeout":"none","timeout_seconds":0,"fallback_on":"` + fallbackRule + `","targets":[` +
				`{"backend":"b","model":"rose","version":""}]}`,
		},
		{"unknown route", "/admin/routes/nope", 404, `{"error":"model \"nope\" is not served by this gateway"}`},
		{"escaped name", "/admin/routes/%69ris", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantStatus(t, do(t, g, "GET", tt.path, ""), tt.status, tt.want)
		})
	}
}

func TestAdminExplainsTheCurrentRoutes(t *testing.T) {
	t.Parallel()
	opts := oneRoute(time.Second, Target{Backend: "a", Adapter: &fake{}})
	opts.Admin = fakeAdmin{}
	g := newGateway(t, opts)
	var state atomic.Value
	state.Store("half-open")
	if err := g.SetRoutes([]Route{{Name: "iris", Timeout: 2 * time.Second, Targets: []Target{
		{Backend: "z", Adapter: &fake{}, Describe: describeWith("mlflow", &state)}}}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, do(t, g, "GET", "/admin/routes/iris", ""), http.StatusOK,
		`{"name":"iris","timeout":"2s","timeout_seconds":2,"fallback_on":"`+fallbackRule+`","targets":[`+
			`{"backend":"z","model":"iris","version":"","details":{"breaker":"half-open","kind":"mlflow"}}]}`)
}

func TestAdminIsOffWithoutASource(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{}}))
	for _, path := range []string{"/admin/backends", "/admin/config", "/admin/routes/iris"} {
		if rec := do(t, g, "GET", path, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", path, rec.Code)
		}
	}
}
