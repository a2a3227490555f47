// SPDX-License-Identifier: Apache-2.0

package metrics

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/gateway"
	"github.com/modelgate/modelgate/gateway/resilience"
)

// echoAdapter answers Infer with the inputs as outputs, or runs infer.
type echoAdapter struct {
	infer func(ctx context.Context, req *adapters.Request) (*adapters.Response, error)
}

func (a *echoAdapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	if a.infer != nil {
		return a.infer(ctx, req)
	}
	return &adapters.Response{Model: req.Model, Outputs: req.Inputs}, nil
}

func (a *echoAdapter) ModelReady(context.Context, adapters.ModelRef) error { return nil }

func (a *echoAdapter) ModelMetadata(context.Context, adapters.ModelRef) (*adapters.ModelMetadata, error) {
	return nil, errors.ErrUnsupported
}

// newMetricsT builds Metrics on a fresh registry or fails the test.
func newMetricsT(t *testing.T, opts Options) *Metrics {
	t.Helper()
	opts.Registry = prometheus.NewRegistry()
	m, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// scrape GETs h and returns every sample as "name{labels}" → value.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: got status %d, want 200: %s", rec.Code, rec.Body)
	}
	out := make(map[string]float64)
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: bad sample line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// wantSamples checks the value of each named series.
func wantSamples(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	for series, v := range want {
		g, ok := got[series]
		switch {
		case !ok:
			t.Errorf("series %s: missing", series)
		case g != v:
			t.Errorf("series %s: got %v, want %v", series, g, v)
		}
	}
}

func TestRequestSeriesThroughTheGateway(t *testing.T) {
	t.Parallel()
	m := newMetricsT(t, Options{Version: "1.2.3"})
	g, err := gateway.New(gateway.Options{
		Routes:  []gateway.Route{{Name: "iris", Targets: []gateway.Target{{Backend: "a", Adapter: &echoAdapter{}}}}},
		Observe: m.Observe, Metrics: m.Handler(),
	})
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, body string) {
		rec := httptest.NewRecorder()
		g.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	}
	v2 := `{"inputs":[{"name":"x","shape":[2],"datatype":"FP64","data":[1,2]}]}`
	send("POST", "/v2/models/iris/infer", v2)
	send("POST", "/v2/models/iris/infer", v2)
	send("POST", "/v1/models/iris:predict", `{"instances":[1,2]}`)
	send("POST", "/v2/models/iris/infer", `{"inputs":`) // 400
	send("POST", "/v2/models/rose/infer", v2)           // unknown: no route label
	got := scrape(t, g.Handler())
	wantSamples(t, got, map[string]float64{
		`modelgate_requests_total{backend="a",protocol="v2",route="iris",status="200"}`:               2,
		`modelgate_requests_total{backend="a",protocol="v1",route="iris",status="200"}`:               1,
		`modelgate_requests_total{backend="",protocol="v2",route="iris",status="400"}`:                1,
		`modelgate_requests_total{backend="",protocol="v2",route="",status="404"}`:                    1,
		`modelgate_request_duration_seconds_count{backend="a",protocol="v2",route="iris"}`:            2,
		`modelgate_request_duration_seconds_bucket{backend="a",protocol="v2",route="iris",le="+Inf"}`: 2,
		`modelgate_request_duration_seconds_count{backend="a",protocol="v1",route="iris"}`:            1,
		`modelgate_build_info{version="1.2.3"}`:                                                       1,
		`modelgate_config_reloads_total{result="success"}`:                                            0,
		`modelgate_config_reloads_total{result="failure"}`:                                            0,
	})
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := got[name]; !ok {
			t.Errorf("series %s: missing (Go and process collectors)", name)
		}
	}
	// The scrape itself is counted by the next one, without a route.
	got = scrape(t, g.Handler())
	wantSamples(t, got, map[string]float64{`modelgate_requests_total{backend="",protocol="",route="",status="200"}`: 1})
}

// failing is a RoundTripper that answers every request with status.
type failing struct{ status int }

func (f failing) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: f.status, Body: io.NopCloser(strings.NewReader("{}")),
		Header: http.Header{}, Request: req}, nil
}

// TestBackendSeriesFromResilience drives a real resilience.Backend: a
// backend answering 503 is retried once, then its per-model breaker opens
// and rejects the next call; a concurrency limit of 1 sheds a second call
// while one is in flight.
func TestBackendSeriesFromResilience(t *testing.T) {
	t.Parallel()
	p := resilience.DefaultPolicy()
	p.MaxAttempts, p.BackoffMin, p.BackoffMax = 2, time.Millisecond, time.Millisecond
	p.Breaker.ConsecutiveFailures, p.Breaker.OpenFor = 2, time.Hour
	p.MaxConcurrency = 1
	rb, err := resilience.NewClient(resilience.ClientOptions{Backend: "tfs", Policy: p,
		Transport: failing{http.StatusServiceUnavailable}, BreakerKey: resilience.PathSegmentKey(2)})
	if err != nil {
		t.Fatal(err)
	}
	m := newMetricsT(t, Options{Backends: func() []resilience.Snapshot { return []resilience.Snapshot{rb.Snapshot()} }})
	for range 2 {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://tfs/v2/models/iris/infer", nil)
		if resp, err := rb.Client().Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}
	release, started := make(chan struct{}), make(chan struct{})
	limited := rb.Limit(&echoAdapter{infer: func(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
		close(started)
		<-release
		return &adapters.Response{}, nil
	}})
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = limited.Infer(t.Context(), &adapters.Request{}) })
	<-started
	if _, err := limited.Infer(t.Context(), &adapters.Request{}); !errors.Is(err, resilience.ErrOverloaded) {
		t.Errorf("second call: got %v, want ErrOverloaded", err)
	}
	got := scrape(t, m.Handler())
	close(release)
	wg.Wait()
	wantSamples(t, got, map[string]float64{
		`modelgate_upstream_attempts_total{backend="tfs"}`:                         2,
		`modelgate_upstream_retries_total{backend="tfs"}`:                          1,
		`modelgate_upstream_retries_denied_total{backend="tfs",reason="budget"}`:   0,
		`modelgate_upstream_retries_denied_total{backend="tfs",reason="deadline"}`: 0,
		`modelgate_breaker_rejected_total{backend="tfs"}`:                          1,
		`modelgate_breaker_state{backend="tfs",key="iris"}`:                        2,
		`modelgate_limit_shed_total{backend="tfs"}`:                                1,
		`modelgate_backend_in_flight{backend="tfs"}`:                               1,
	})
	if _, ok := got[`modelgate_retry_budget_available{backend="tfs"}`]; !ok {
		t.Errorf("series modelgate_retry_budget_available: missing")
	}
	wantSamples(t, scrape(t, m.Handler()), map[string]float64{`modelgate_backend_in_flight{backend="tfs"}`: 0})
}

// TestBackendSeriesMapping checks the value of every state and counter
// against a scripted snapshot.
func TestBackendSeriesMapping(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	snaps := []resilience.Snapshot{{
		Backend: "b",
		Breakers: []resilience.BreakerState{
			{Key: "", State: "closed", ConsecutiveFailures: 3},
			{Key: "half", State: "half-open"},
			{Key: "open", State: "open", ConsecutiveFailures: 5},
			{Key: "odd", State: "unknown"},
		},
		Budget:   resilience.BudgetState{Available: 7},
		InFlight: 4,
		Counters: resilience.Counters{Attempts: 10, Retries: 3, RetriesDeniedBudget: 2, RetriesDeniedDeadline: 1,
			BreakerRejected: 6, Shed: 8},
	}}
	m := newMetricsT(t, Options{Backends: func() []resilience.Snapshot {
		mu.Lock()
		defer mu.Unlock()
		return snaps
	}})
	got := scrape(t, m.Handler())
	wantSamples(t, got, map[string]float64{
		`modelgate_upstream_attempts_total{backend="b"}`:                         10,
		`modelgate_upstream_retries_total{backend="b"}`:                          3,
		`modelgate_upstream_retries_denied_total{backend="b",reason="budget"}`:   2,
		`modelgate_upstream_retries_denied_total{backend="b",reason="deadline"}`: 1,
		`modelgate_breaker_rejected_total{backend="b"}`:                          6,
		`modelgate_limit_shed_total{backend="b"}`:                                8,
		`modelgate_backend_in_flight{backend="b"}`:                               4,
		`modelgate_retry_budget_available{backend="b"}`:                          7,
		`modelgate_breaker_state{backend="b",key=""}`:                            0,
		`modelgate_breaker_state{backend="b",key="half"}`:                        1,
		`modelgate_breaker_state{backend="b",key="open"}`:                        2,
		`modelgate_breaker_consecutive_failures{backend="b",key=""}`:             3,
		`modelgate_breaker_consecutive_failures{backend="b",key="open"}`:         5,
	})
	if _, ok := got[`modelgate_breaker_state{backend="b",key="odd"}`]; ok {
		t.Errorf("got a state series for an unknown breaker state, want none")
	}
	// A backend removed by a reload disappears from the next scrape.
	mu.Lock()
	snaps = nil
	mu.Unlock()
	for series := range scrape(t, m.Handler()) {
		if strings.Contains(series, `backend="b"`) {
			t.Errorf("series %s of a removed backend: still exported", series)
		}
	}
}

func TestReloadSeries(t *testing.T) {
	t.Parallel()
	m := newMetricsT(t, Options{})
	at := time.Unix(1700000000, 500_000_000)
	m.ConfigLoaded(at)
	m.Reloaded(false, at.Add(time.Minute))
	m.Reloaded(false, at.Add(2*time.Minute))
	wantSamples(t, scrape(t, m.Handler()), map[string]float64{
		`modelgate_config_reloads_total{result="success"}`:       0,
		`modelgate_config_reloads_total{result="failure"}`:       2,
		`modelgate_config_last_reload_success_timestamp_seconds`: 1700000000.5,
	})
	m.Reloaded(true, at.Add(3*time.Minute))
	wantSamples(t, scrape(t, m.Handler()), map[string]float64{
		`modelgate_config_reloads_total{result="success"}`:       1,
		`modelgate_config_last_reload_success_timestamp_seconds`: 1700000180.5,
	})
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "Options.Registry is required") {
		t.Errorf("without a registry: got %v, want an error naming Options.Registry", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := New(Options{Registry: reg}); err != nil {
		t.Fatalf("first New: %v", err)
	}
	if _, err := New(Options{Registry: reg}); err == nil || !strings.Contains(err.Error(), "metrics: register") {
		t.Errorf("second New on the same registry: got %v, want a registration error", err)
	}
}
