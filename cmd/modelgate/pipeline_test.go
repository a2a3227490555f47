// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/config"
)

// deadURL refuses connections at once.
const deadURL = "http://127.0.0.1:1"

// twoBackends has backends a and b and a route over each. a's breaker opens
// after one fault.
const twoBackends = `
backends:
  - {name: a, kind: oip, url: "` + deadURL + `", retry: {max_attempts: 1}, breaker: {consecutive_failures: 1, open_for: 1h}}
  - {name: b, kind: oip, url: "` + deadURL + `", timeout: 5s}
  - {name: d, kind: oip, url: "` + deadURL + `"}
models:
  - {name: ma, targets: [{backend: a}]}
  - {name: mb, targets: [{backend: b}, {backend: d}]}
`

// twoBackendsChanged keeps a, changes b's timeout, adds c and drops d.
const twoBackendsChanged = `
backends:
  - {name: a, kind: oip, url: "` + deadURL + `", retry: {max_attempts: 1}, breaker: {consecutive_failures: 1, open_for: 1h}}
  - {name: b, kind: oip, url: "` + deadURL + `", timeout: 6s}
  - {name: c, kind: mlflow, url: "` + deadURL + `"}
models:
  - {name: ma, targets: [{backend: a}]}
  - {name: mc, targets: [{backend: c}, {backend: b}]}
`

// newTestPipeline wires cfg; reloads load whatever *next holds (or fail
// with *nextErr).
func newTestPipeline(t *testing.T, cfg *config.Config, next *atomic.Pointer[config.Config], nextErr *atomic.Pointer[error]) *pipeline {
	t.Helper()
	load := func() (*config.Config, error) {
		if e := nextErr.Load(); e != nil {
			return nil, *e
		}
		return next.Load(), nil
	}
	p, err := newPipeline(cfg, "test.yaml", load, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	return p
}

// getJSON serves GET path through the gateway and decodes the answer.
func getJSON(t *testing.T, h http.Handler, path string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if v != nil && rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, rec.Body)
		}
	}
	return rec.Code
}

// openBreaker makes one failing call through backend name's client.
func openBreaker(t *testing.T, p *pipeline, name string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", deadURL+"/v2/models/ma/infer", nil)
	if resp, err := p.state.Load().backends[name].rb.Client().Do(req); err == nil {
		_ = resp.Body.Close()
	}
}

func TestReloadKeepsUnchangedBackends(t *testing.T) {
	t.Parallel()
	var next atomic.Pointer[config.Config]
	var nextErr atomic.Pointer[error]
	p := newTestPipeline(t, loadYAML(t, twoBackends), &next, &nextErr)
	before := p.state.Load()
	openBreaker(t, p, "a")

	next.Store(loadYAML(t, twoBackendsChanged))
	if err := p.reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	after := p.state.Load()
	if after.backends["a"] != before.backends["a"] {
		t.Errorf("backend a: rebuilt, want the same client (its settings did not change)")
	}
	if after.backends["b"] == before.backends["b"] {
		t.Errorf("backend b: kept, want a new client (its timeout changed)")
	}
	if after.backends["c"] == nil || after.backends["d"] != nil {
		t.Errorf("got backends %v, want a, b and c", after.cfg.Backends)
	}
	var backends []backendInfo
	getJSON(t, p.gw.Handler(), "/admin/backends", &backends)
	var names []string
	for _, b := range backends {
		names = append(names, b.Name)
		if b.Name == "a" && (len(b.Breakers) != 1 || b.Breakers[0].State != "open" || b.Counters.Attempts != 1) {
			t.Errorf("backend a after reload: got breakers %+v, counters %+v; want its open breaker and 1 attempt",
				b.Breakers, b.Counters)
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, names); diff != "" {
		t.Errorf("/admin/backends names (-want +got):\n%s", diff)
	}
	for path, want := range map[string]int{"/admin/routes/ma": 200, "/admin/routes/mc": 200, "/admin/routes/mb": 404} {
		if got := getJSON(t, p.gw.Handler(), path, nil); got != want {
			t.Errorf("GET %s: got %d, want %d", path, got, want)
		}
	}
	var explained struct {
		Targets []struct {
			Backend string        `json:"backend"`
			Details targetDetails `json:"details"`
		} `json:"targets"`
	}
	getJSON(t, p.gw.Handler(), "/admin/routes/ma", &explained)
	if len(explained.Targets) != 1 || explained.Targets[0].Details.Breaker != "open" {
		t.Errorf("route ma: got %+v, want its one target with the open breaker carried over", explained.Targets)
	}
}

func TestReloadRejectsABadConfigurationAndKeepsServing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		next func(t *testing.T) (*config.Config, error)
		want string // in a problem
	}{
		{"invalid file", func(*testing.T) (*config.Config, error) {
			return nil, errors.Join(errors.New(`backends[0].url: must be an absolute http(s) URL (got "ftp://x")`),
				errors.New(`models[0].targets[0].backend: unknown backend "ghost"`))
		}, "unknown backend"},
		{"an adapter refuses its options", func(t *testing.T) (*config.Config, error) {
			return loadYAML(t, twoBackendsChanged+
				"  - {name: mm, targets: [{backend: c, mlflow: {mlmodel_path: /nonexistent/MLmodel}}]}\n"), nil
		}, "models[2].targets[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var next atomic.Pointer[config.Config]
			var nextErr atomic.Pointer[error]
			p := newTestPipeline(t, loadYAML(t, twoBackends), &next, &nextErr)
			before := p.state.Load()
			cfg, err := tt.next(t)
			if err != nil {
				nextErr.Store(&err)
			}
			next.Store(cfg)
			if err := p.reload(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("reload: got %v, want an error containing %q", err, tt.want)
			}
			if p.state.Load() != before {
				t.Errorf("state: replaced, want the running configuration kept")
			}
			if got := getJSON(t, p.gw.Handler(), "/admin/routes/mb", nil); got != 200 {
				t.Errorf("GET /admin/routes/mb: got %d, want 200 (old route kept)", got)
			}
			var info configInfo
			getJSON(t, p.gw.Handler(), "/admin/config", &info)
			if info.Version != before.version || info.LastReloadFailure == nil ||
				!strings.Contains(strings.Join(info.LastReloadFailure.Problems, "\n"), tt.want) {
				t.Errorf("/admin/config: got %+v, want version %s and the failure", info, before.version)
			}
		})
	}
}

func TestConfigVersion(t *testing.T) {
	t.Parallel()
	base := loadYAML(t, twoBackends)
	same := loadYAML(t, twoBackends)
	if configVersion(base) != configVersion(same) || len(configVersion(base)) != 64 {
		t.Errorf("equal configurations: got versions %s and %s, want the same SHA-256", configVersion(base), configVersion(same))
	}
	changed := loadYAML(t, twoBackends)
	changed.Models[0].Timeout++
	if configVersion(changed) == configVersion(base) {
		t.Errorf("a changed timeout: got the same version, want a new one")
	}
	withSecret := func(token string) *config.Config {
		c := loadYAML(t, twoBackends)
		c.Backends[0].Kind = config.KindTorchServe
		c.Backends[0].TorchServe = &config.TorchServeBackend{Token: config.Secret(token)}
		return c
	}
	x, y := withSecret("one"), withSecret("two")
	if configVersion(x) != configVersion(y) {
		t.Errorf("configurations differing only in a secret: got different versions, want equal (secrets are left out)")
	}
	b, _ := json.Marshal(x)
	if strings.Contains(string(b), "one") {
		t.Errorf("the hashed form contains the secret: %s", b)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8080/prefix", "http://127.0.0.1:8080/prefix"},
		{"http://user:pass@h:1/p", "http://xxxxx@h:1/p"},
		{"https://apikey@h/", "https://xxxxx@h/"},
		{"http://h/p?token=abc&x=1", "http://h/p?token=xxxxx&x=xxxxx"},
		{"http://h:bad port", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestBuildRoutesTargetTraits checks what each kind of target is declared
// to do: only oip targets send the client's OIP body as it is (the gateway
// skips decoding input data only for routes whose every target does), and
// only tfserving targets are typed by metadata (the gateway asks for it
// before their first inference).
func TestBuildRoutesTargetTraits(t *testing.T) {
	t.Parallel()
	cfg := loadYAML(t, `
backends:
  - {name: a, kind: oip, url: "`+deadURL+`"}
  - {name: b, kind: oip, url: "`+deadURL+`"}
  - {name: c, kind: mlflow, url: "`+deadURL+`"}
  - {name: t, kind: tfserving, url: "`+deadURL+`"}
models:
  - {name: ma, targets: [{backend: a}]}
  - {name: mc, targets: [{backend: c}, {backend: b}, {backend: t}]}
`)
	backends, created, err := buildBackends(cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeAll(created) })
	routes, err := buildRoutes(cfg, backends)
	if err != nil {
		t.Fatal(err)
	}
	type traits struct{ SendsSource, TypedByMetadata bool }
	got := map[string]traits{}
	for _, r := range routes {
		for _, tg := range r.Targets {
			got[r.Name+"/"+tg.Backend] = traits{tg.SendsSource, tg.TypedByMetadata}
		}
	}
	want := map[string]traits{"ma/a": {SendsSource: true}, "mc/c": {}, "mc/b": {SendsSource: true}, "mc/t": {TypedByMetadata: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("traits per route/target (-want +got):\n%s", diff)
	}
}
