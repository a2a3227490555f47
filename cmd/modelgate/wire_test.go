// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/bentoml"
	"github.com/modelgate/modelgate/adapters/mlflow"
	"github.com/modelgate/modelgate/adapters/oip"
	"github.com/modelgate/modelgate/adapters/tfserving"
	"github.com/modelgate/modelgate/adapters/torchserve"
	"github.com/modelgate/modelgate/adapters/v1json"
	"github.com/modelgate/modelgate/config"
	"github.com/modelgate/modelgate/gateway/resilience"
)

func TestClientOptionsMapEveryBackendSetting(t *testing.T) {
	t.Parallel()
	b := config.Backend{
		Name: "b", Kind: config.KindOIP, URL: "http://h",
		Timeout: 7 * time.Second, MaxConcurrency: 3,
		Retry:   config.Retry{MaxAttempts: 2, BackoffMin: time.Millisecond, BackoffMax: time.Second, BudgetRatio: 0.5, BudgetFloor: 4},
		Breaker: config.Breaker{ConsecutiveFailures: 9, OpenFor: time.Minute, HalfOpenProbes: 2},
		Pool:    config.Pool{MaxIdleConns: 8, IdleTimeout: 3 * time.Second, DialTimeout: time.Second},
	}
	got := clientOptions(&b, nil)
	want := resilience.DefaultPolicy()
	want.AttemptTimeout, want.MaxConcurrency = 7*time.Second, 3
	want.MaxAttempts, want.BackoffMin, want.BackoffMax = 2, time.Millisecond, time.Second
	want.BudgetRatio, want.BudgetFloor = 0.5, 4
	want.Breaker = resilience.BreakerPolicy{ConsecutiveFailures: 9, OpenFor: time.Minute, HalfOpenProbes: 2}
	want.Pool = resilience.PoolPolicy{MaxIdleConns: 8, IdleTimeout: 3 * time.Second, DialTimeout: time.Second}
	if diff := cmp.Diff(want, got.Policy); diff != "" {
		t.Errorf("policy mismatch (-want +got):\n%s", diff)
	}
	if got.Backend != "b" || got.BreakerKey != nil {
		t.Errorf("got backend %q, per-model key set %v; want \"b\" and one breaker", got.Backend, got.BreakerKey != nil)
	}
	if _, err := resilience.NewClient(got); err != nil {
		t.Errorf("NewClient rejects the mapped options: %v", err)
	}
}

func TestBreakerKeyPerModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    config.Kind
		url     string
		path    string
		wantKey string
	}{
		{config.KindOIP, "http://h:8000", "/v2/models/iris/infer", "iris"},
		{config.KindOIP, "http://h:8000/prefix/", "/prefix/v2/models/iris/infer", "iris"},
		{config.KindTFServing, "http://h", "/v1/models/half:predict", "half"},
		{config.KindTorchServe, "http://h", "/predictions/mnist/1.0", "mnist"},
		{config.KindBentoML, "http://h", "/summarize", "summarize"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+tt.path, func(t *testing.T) {
			t.Parallel()
			key := breakerKey(&config.Backend{Kind: tt.kind, URL: tt.url})
			if got := key(httptest.NewRequest("POST", tt.path, nil)); got != tt.wantKey {
				t.Errorf("got key %q, want %q", got, tt.wantKey)
			}
		})
	}
	if breakerKey(&config.Backend{Kind: config.KindMLflow, URL: "http://h"}) != nil {
		t.Errorf("got a per-model key for MLflow, want one breaker (one model per server)")
	}
}

func TestNewAdapterRejectsUnknownKind(t *testing.T) {
	t.Parallel()
	_, err := newAdapter(&config.Backend{Name: "b", Kind: "soap", URL: "http://h"}, &config.Target{Model: "m"}, nil)
	if err == nil || err.Error() != `unknown kind "soap"` {
		t.Errorf("got %v, want unknown kind \"soap\"", err)
	}
}

// loadYAML loads and validates a config file body, or fails the test.
func loadYAML(t *testing.T, body string) *config.Config {
	t.Helper()
	cfg, err := config.LoadAndValidate(config.LoadOptions{Path: writeConfig(t, body)})
	if err != nil {
		t.Fatalf("config:\n%v", err)
	}
	return cfg
}

// everyKind is a configuration with one backend and one model per kind,
// the per-kind options set to non-defaults except where noted.
const everyKind = `
backends:
  - {name: o, kind: oip, url: "http://o:8000/prefix", max_response_bytes: 1KiB}
  - {name: tfs, kind: tfserving, url: "http://tfs:8501", max_response_bytes: 2KiB}
  - {name: tfs-default, kind: tfserving, url: "http://tfs:8501"}
  - {name: ml, kind: mlflow, url: "http://ml:5000", max_response_bytes: 3KiB}
  - name: ts
    kind: torchserve
    url: "http://ts:8080"
    max_response_bytes: 4KiB
    torchserve: {management_url: "http://ts:8081/mgmt", token: "s3cret", management_token: "m4nage"}
  - {name: ts-plain, kind: torchserve, url: "http://ts:8080"}
  - {name: bento, kind: bentoml, url: "http://bento:3000", max_response_bytes: 5KiB}
models:
  - {name: m-oip, targets: [{backend: o, model: iris, version: "2"}]}
  - name: m-tfs
    targets:
      - backend: tfs
        model: half
        outputs: [y]
        tfserving: {signature_name: predict, format: row, label: stable}
  - {name: m-tfs-default, targets: [{backend: tfs-default}]}
  - name: m-ml
    targets:
      - backend: ml
        outputs: [label]
        mlflow: {format: dataframe_split, columns: [a, b]}
  - name: m-ml-inputs
    targets: [{backend: ml, mlflow: {format: inputs}}]
  - name: m-ts
    targets: [{backend: ts, model: mnist, version: "1.0", outputs: [digit], torchserve: {envelope: instances}}]
  - {name: m-ts-plain, targets: [{backend: ts-plain}]}
  - name: m-bento
    targets: [{backend: bento, outputs: [label], bentoml: {api: /v1/classify, params: {input: instances}}}]
  - {name: m-bento-default, targets: [{backend: bento}]}
`

// TestAdapterOptionsMapEveryKind checks the mapping of each kind's
// backend and target settings onto its adapter's Options.
func TestAdapterOptionsMapEveryKind(t *testing.T) {
	t.Parallel()
	cfg := loadYAML(t, everyKind)
	c := &http.Client{}
	target := func(model string) (*config.Backend, *config.Target, *url.URL) {
		for i := range cfg.Models {
			if cfg.Models[i].Name == model {
				tg := &cfg.Models[i].Targets[0]
				b := cfg.Backend(tg.Backend)
				u, err := url.Parse(b.URL)
				if err != nil {
					t.Fatal(err)
				}
				return b, tg, u
			}
		}
		t.Fatalf("no model %q", model)
		return nil, nil, nil
	}
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		model string
		got   func(b *config.Backend, tg *config.Target, u *url.URL) (any, error)
		want  any
	}{
		{"m-oip", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) {
			return oipOptions(b, tg, u, c), nil
		},
			oip.Options{Backend: "o", BaseURL: mustURL("http://o:8000/prefix"), Client: c,
				Model: adapters.ModelRef{Name: "iris", Version: "2"}, MaxResponseBytes: 1 << 10}},
		{"m-tfs", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) {
			return tfservingOptions(b, tg, u, c)
		},
			tfserving.Options{Backend: "tfs", BaseURL: mustURL("http://tfs:8501"), Client: c,
				Model: adapters.ModelRef{Name: "half"}, OutputNames: []string{"y"}, MaxResponseBytes: 2 << 10,
				SignatureName: "predict", Format: v1json.Row, Label: "stable"}},
		{"m-tfs-default", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) {
			return tfservingOptions(b, tg, u, c)
		},
			tfserving.Options{Backend: "tfs-default", BaseURL: mustURL("http://tfs:8501"), Client: c,
				Model: adapters.ModelRef{Name: "m-tfs-default"}, MaxResponseBytes: 64 << 20,
				SignatureName: "", Format: v1json.Columnar}},
		{"m-ml", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) { return mlflowOptions(b, tg, u, c) },
			mlflow.Options{Backend: "ml", BaseURL: mustURL("http://ml:5000"), Client: c,
				Model: adapters.ModelRef{Name: "m-ml"}, OutputNames: []string{"label"}, MaxResponseBytes: 3 << 10,
				Format: mlflow.DataframeSplit, Columns: []string{"a", "b"}}},
		{"m-ml-inputs", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) { return mlflowOptions(b, tg, u, c) },
			mlflow.Options{Backend: "ml", BaseURL: mustURL("http://ml:5000"), Client: c,
				Model: adapters.ModelRef{Name: "m-ml-inputs"}, MaxResponseBytes: 3 << 10, Format: mlflow.Inputs}},
		{"m-ts", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) {
			return torchserveOptions(b, tg, u, c)
		},
			torchserve.Options{Backend: "ts", BaseURL: mustURL("http://ts:8080"), Client: c,
				Model: adapters.ModelRef{Name: "mnist", Version: "1.0"}, OutputNames: []string{"digit"},
				MaxResponseBytes: 4 << 10, Envelope: torchserve.EnvelopeInstances,
				ManagementURL: mustURL("http://ts:8081/mgmt"), Token: "s3cret", ManagementToken: "m4nage"}},
		{"m-ts-plain", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) {
			return torchserveOptions(b, tg, u, c)
		},
			torchserve.Options{Backend: "ts-plain", BaseURL: mustURL("http://ts:8080"), Client: c,
				Model: adapters.ModelRef{Name: "m-ts-plain"}, MaxResponseBytes: 64 << 20, Envelope: torchserve.EnvelopeJSON}},
		{"m-bento", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) {
			return bentomlOptions(b, tg, u, c), nil
		},
			bentoml.Options{Backend: "bento", BaseURL: mustURL("http://bento:3000"), Client: c,
				Model: adapters.ModelRef{Name: "m-bento"}, OutputNames: []string{"label"}, MaxResponseBytes: 5 << 10,
				API: "v1/classify", Params: map[string]string{"input": "instances"}}},
		{"m-bento-default", func(b *config.Backend, tg *config.Target, u *url.URL) (any, error) {
			return bentomlOptions(b, tg, u, c), nil
		},
			bentoml.Options{Backend: "bento", BaseURL: mustURL("http://bento:3000"), Client: c,
				Model: adapters.ModelRef{Name: "m-bento-default"}, MaxResponseBytes: 5 << 10, API: "predict"}},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			t.Parallel()
			got, err := tt.got(target(tt.model))
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("options mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewAdapterBuildsEveryKind builds every target of everyKind through
// the one switch and checks the adapter's package.
func TestNewAdapterBuildsEveryKind(t *testing.T) {
	t.Parallel()
	cfg := loadYAML(t, everyKind)
	want := map[config.Kind]string{
		config.KindOIP: "*oip.Adapter", config.KindTFServing: "*tfserving.Adapter", config.KindMLflow: "*mlflow.Adapter",
		config.KindTorchServe: "*torchserve.Adapter", config.KindBentoML: "*bentoml.Adapter",
	}
	seen := map[config.Kind]bool{}
	for _, m := range cfg.Models {
		tg := &m.Targets[0]
		b := cfg.Backend(tg.Backend)
		a, err := newAdapter(b, tg, &http.Client{})
		if err != nil {
			t.Errorf("%s: got error %v, want an adapter", m.Name, err)
			continue
		}
		if got := fmt.Sprintf("%T", a); got != want[b.Kind] {
			t.Errorf("%s: got %s, want %s", m.Name, got, want[b.Kind])
		}
		seen[b.Kind] = true
	}
	for _, k := range config.Kinds() {
		if !seen[k] {
			t.Errorf("kind %s: not covered", k)
		}
	}
}

// TestNewAdapterReportsAdapterErrors checks that an adapter's own
// validation reaches the caller, naming the field.
func TestNewAdapterReportsAdapterErrors(t *testing.T) {
	t.Parallel()
	b := &config.Backend{Name: "ml", Kind: config.KindMLflow, URL: "http://ml:5000"}
	_, err := newAdapter(b, &config.Target{Model: "iris", Version: "3"}, &http.Client{})
	if err == nil || !strings.Contains(err.Error(), "Options.Model.Version") {
		t.Errorf("got %v, want the MLflow adapter's version error", err)
	}
}

// answer is an http.RoundTripper answering every request with one status
// and body, and counting the requests.
type answer struct {
	status int
	body   string
	calls  atomic.Int64
}

func (a *answer) RoundTrip(req *http.Request) (*http.Response, error) {
	a.calls.Add(1)
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(a.body)), Request: req}, nil
}

// tsError is TorchServe's error body (PROTOCOLS.md §2.4: Gson
// pretty-printed {"code", "type", "message"}).
func tsError(code int, typ, msg string) string {
	return fmt.Sprintf("{\n  \"code\": %d,\n  \"type\": \"%s\",\n  \"message\": \"%s\"\n}\n", code, typ, msg)
}

// TestTorchServeHooksInTheClient checks that a TorchServe backend's client
// treats 503 "Prediction failed" (a handler exception) as final and not as
// a backend fault, while the frontend's "has no worker" 503 is retried and
// trips the breaker — and that other kinds keep the default policy.
func TestTorchServeHooksInTheClient(t *testing.T) {
	t.Parallel()
	failed := tsError(503, "InternalServerException", "Prediction failed")
	noWorker := tsError(503, "ServiceUnavailableException",
		`Model \"mnist\" has no worker to serve inference request. Please use scale workers API to add workers.`)
	tests := []struct {
		name         string
		kind         config.Kind
		body         string
		wantAttempts int64 // upstream requests for 2 calls
		wantRetries  int64
		wantBreaker  string
	}{
		// Not retried, not a fault: two calls, two requests, breaker closed.
		{"torchserve handler exception", config.KindTorchServe, failed, 2, 0, "closed"},
		// Retried and faults: the retry opens the breaker, which fails the
		// second call fast.
		{"torchserve without workers", config.KindTorchServe, noWorker, 2, 1, "open"},
		{"oip 503 keeps the default policy", config.KindOIP, failed, 2, 1, "open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := config.DefaultBackend()
			b.Name, b.Kind, b.URL = "b", tt.kind, "http://b"
			b.Retry.MaxAttempts, b.Retry.BackoffMin, b.Retry.BackoffMax = 2, time.Millisecond, time.Millisecond
			b.Breaker.ConsecutiveFailures, b.Breaker.OpenFor = 2, time.Hour
			opts := clientOptions(&b, nil)
			up := &answer{status: http.StatusServiceUnavailable, body: tt.body}
			opts.Transport = up
			rb, err := resilience.NewClient(opts)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://b/predictions/mnist", strings.NewReader("[1]"))
				if resp, err := rb.Client().Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
			}
			if got := up.calls.Load(); got != tt.wantAttempts {
				t.Errorf("got %d upstream requests for 2 calls, want %d", got, tt.wantAttempts)
			}
			if got := rb.Snapshot().Counters.Retries; got != tt.wantRetries {
				t.Errorf("got %d retries, want %d", got, tt.wantRetries)
			}
			if got := breakerState(rb.Snapshot(), ""); got != tt.wantBreaker {
				t.Errorf("got breaker %s, want %s", got, tt.wantBreaker)
			}
		})
	}
}

// recorder is an http.RoundTripper that records each request and fails it.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	return nil, errors.New("recorded")
}

// TestTargetBreakerKeyMatchesTheRequests sends an Infer call through each
// kind's real adapter and checks that the breaker key of the request it
// makes is the key the route explanation reports for the target.
func TestTargetBreakerKeyMatchesTheRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   config.Kind
		target config.Target
		want   string
	}{
		{config.KindOIP, config.Target{Model: "iris", Version: "2"}, "iris"},
		{config.KindTFServing, config.Target{Model: "half", TFServing: &config.TFServing{Format: "columnar"}}, "half"},
		{config.KindTorchServe, config.Target{Model: "mnist", Version: "1.0"}, "mnist"},
		{config.KindBentoML, config.Target{Model: "m", BentoML: &config.BentoML{API: "/v1/classify"}}, "v1"},
		{config.KindBentoML, config.Target{Model: "m", BentoML: &config.BentoML{API: "summarize"}}, "summarize"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.want, func(t *testing.T) {
			t.Parallel()
			b := &config.Backend{Name: "b", Kind: tt.kind, URL: "http://h:1/some/prefix",
				Breaker: config.Breaker{PerModel: true}}
			rec := &recorder{}
			a, err := newAdapter(b, &tt.target, &http.Client{Transport: rec})
			if err != nil {
				t.Fatal(err)
			}
			req := &adapters.Request{Inputs: []adapters.Tensor{{Name: "x", DType: adapters.FP64, Shape: []int64{1, 2},
				Data: adapters.TensorData{FP64: []float64{1, 2}}}}}
			_, _ = a.Infer(t.Context(), req)
			if len(rec.reqs) != 1 {
				t.Fatalf("got %d upstream requests, want 1", len(rec.reqs))
			}
			got := breakerKey(b)(rec.reqs[0])
			if got != tt.want || targetBreakerKey(b, &tt.target) != tt.want {
				t.Errorf("request %s: got key %q, target key %q; want %q",
					rec.reqs[0].URL.Path, got, targetBreakerKey(b, &tt.target), tt.want)
			}
		})
	}
	one := &config.Backend{Kind: config.KindOIP, Breaker: config.Breaker{PerModel: false}}
	if got := targetBreakerKey(one, &config.Target{Model: "iris"}); got != "" {
		t.Errorf("one breaker per backend: got key %q, want \"\"", got)
	}
	ml := &config.Backend{Kind: config.KindMLflow, Breaker: config.Breaker{PerModel: true}}
	if got := targetBreakerKey(ml, &config.Target{Model: "iris"}); got != "" {
		t.Errorf("MLflow: got key %q, want \"\" (one model per server)", got)
	}
}
