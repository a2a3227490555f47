// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
)

// inferBody is an OIP v2 request (PROTOCOLS.md §6.3).
const inferBody = `{"id":"req-1","inputs":[{"name":"x","shape":[2],"datatype":"FP64","data":[1.5,2]}]}`

func TestHealthAndServerMetadata(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "b", Adapter: &fake{}}))
	tests := []struct {
		path     string
		draining bool
		status   int
		body     string
	}{
		{"/v2/health/live", false, 200, `{"live":true}`},
		{"/v2/health/ready", false, 200, `{"ready":true}`},
		{"/v2", false, 200, `{"name":"modelgate","version":"1.2.3","extensions":["parameters","binary_tensor_data"]}`},
		{"/v2/health/live", true, 200, `{"live":true}`},
		{"/v2/health/ready", true, 503, `{"error":"modelgate is shutting down and takes no new requests"}`},
	}
	for _, tt := range tests { // sequential: draining is shared state
		g.SetDraining(tt.draining)
		rec := do(t, g, "GET", tt.path, "")
		wantStatus(t, rec, tt.status, tt.body)
		if tt.status == 503 && rec.Result().Header.Get("Retry-After") != "1" {
			t.Errorf("%s while draining: Retry-After got %q, want \"1\"", tt.path, rec.Result().Header.Get("Retry-After"))
		}
	}
}

func TestModelReady(t *testing.T) {
	t.Parallel()
	down := func(context.Context, adapters.ModelRef) error {
		return &adapters.Error{Op: "ready", Backend: "a", Model: "iris", Status: 503, Err: adapters.ErrUnavailable}
	}
	missing := func(_ context.Context, m adapters.ModelRef) error {
		return &adapters.Error{Op: "ready", Backend: "b", Model: m.String(), Status: 404, Err: adapters.ErrModelNotFound}
	}
	tests := []struct {
		name       string
		path       string
		a, b       func(context.Context, adapters.ModelRef) error
		status     int
		body       string
		backend    string
		wantBCalls []string
	}{
		{"ready", "/v2/models/iris/ready", nil, nil, 200, `{"name":"iris","ready":true}`, "a", nil},
		{"first down, second ready", "/v2/models/iris/ready", down, nil, 200, `{"name":"iris","ready":true}`, "b", []string{"ready iris"}},
		{"version passed on", "/v2/models/iris/versions/3/ready", down, nil, 200, `{"name":"iris","ready":true}`, "b", []string{"ready iris@3"}},
		{"none ready", "/v2/models/iris/ready", down, missing, 503,
			`{"error":"model \"iris\" is not ready: backend \"a\" is unavailable (upstream 503); backend \"b\" does not serve model \"iris\" (upstream 404)"}`,
			"b", []string{"ready iris"}},
		{"unknown model", "/v2/models/nope/ready", nil, nil, 404, `{"error":"model \"nope\" is not served by this gateway"}`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fb := &fake{ready: tt.b}
			g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{ready: tt.a}}, Target{Backend: "b", Adapter: fb}))
			rec := do(t, g, "GET", tt.path, "")
			wantStatus(t, rec, tt.status, tt.body)
			if got := rec.Result().Header.Get(HeaderBackend); got != tt.backend {
				t.Errorf("%s: got %q, want %q", HeaderBackend, got, tt.backend)
			}
			if d := cmp.Diff(tt.wantBCalls, fb.Calls()); d != "" {
				t.Errorf("calls to b (-want +got):\n%s", d)
			}
		})
	}
}

func TestModelMetadata(t *testing.T) {
	t.Parallel()
	md := func(_ context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
		return &adapters.ModelMetadata{Name: "backend-name", Platform: "tensorflow"}, nil
	}
	tests := []struct {
		name    string
		a, b    func(context.Context, adapters.ModelRef) (*adapters.ModelMetadata, error)
		status  int
		backend string
	}{
		{"first answers", md, nil, 200, "a"},
		{"first publishes none", nil, md, 200, "b"},
		{"none publishes", nil, nil, 501, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{meta: tt.a}}, Target{Backend: "b", Adapter: &fake{meta: tt.b}}))
			rec := do(t, g, "GET", "/v2/models/iris", "")
			wantStatus(t, rec, tt.status, "")
			if got := rec.Result().Header.Get(HeaderBackend); got != tt.backend {
				t.Errorf("%s: got %q, want %q", HeaderBackend, got, tt.backend)
			}
			if tt.status != 200 {
				if msg := errorMessage(t, rec); !strings.Contains(msg, `model "iris"`) || !strings.Contains(msg, "does not support metadata") {
					t.Errorf("error: got %q, want it to name the model and the reason", msg)
				}
				return
			}
			if got, want := rec.Body.String(), `{"name":"iris","platform":"tensorflow","inputs":[],"outputs":[]}`; got != want {
				t.Errorf("body:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

func TestInferRoundTrip(t *testing.T) {
	t.Parallel()
	a := &fake{infer: func(_ context.Context, req *adapters.Request) (*adapters.Response, error) {
		return &adapters.Response{Model: adapters.ModelRef{Name: "backend-model", Version: "7"}, Outputs: []adapters.Tensor{{
			Name: "y", DType: adapters.FP64, Shape: []int64{2}, Data: adapters.TensorData{FP64: []float64{3, 4.5}},
		}}}, nil
	}}
	g := newGateway(t, oneRoute(time.Second, Target{Backend: "a", Model: adapters.ModelRef{Name: "backend-model"}, Adapter: a}))
	rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody, "Content-Type", "application/json")
	wantStatus(t, rec, 200, `{"model_name":"iris","model_version":"7","id":"req-1","outputs":[{"name":"y","shape":[2],"datatype":"FP64","data":[3.0,4.5]}]}`)
	if got := rec.Result().Header.Get(HeaderBackend); got != "a" {
		t.Errorf("%s: got %q, want \"a\"", HeaderBackend, got)
	}
	if got := rec.Result().Header.Get(HeaderAttempts); got != "1" {
		t.Errorf("%s: got %q, want \"1\"", HeaderAttempts, got)
	}
	if d := cmp.Diff([]string{"infer backend-model"}, a.Calls()); d != "" {
		t.Errorf("adapter calls (-want +got):\n%s", d)
	}
	want := []adapters.Tensor{{Name: "x", DType: adapters.FP64, Shape: []int64{2}, Data: adapters.TensorData{FP64: []float64{1.5, 2}}}}
	if d := cmp.Diff(want, a.reqs[0].Inputs); d != "" {
		t.Errorf("inputs the adapter saw (-want +got):\n%s", d)
	}
	if got := string(a.reqs[0].Source); got != inferBody {
		t.Errorf("Source the adapter saw: got %q, want the client's body %q", got, inferBody)
	}
}

// TestInferSourceOnFallback checks every target tried gets the client's body
// as Source, with only the model changed.
func TestInferSourceOnFallback(t *testing.T) {
	t.Parallel()
	down := &fake{infer: fail("a", 503, adapters.ErrUnavailable, "down")}
	up := &fake{}
	g := newGateway(t, oneRoute(time.Second,
		Target{Backend: "a", Model: adapters.ModelRef{Name: "m1"}, Adapter: down},
		Target{Backend: "b", Model: adapters.ModelRef{Name: "m2"}, Adapter: up}))
	rec := do(t, g, "POST", "/v2/models/iris/versions/4/infer", inferBody, "Content-Type", "application/json")
	wantStatus(t, rec, 200, "")
	for _, f := range []*fake{down, up} {
		if len(f.reqs) != 1 {
			t.Fatalf("got %d requests, want 1", len(f.reqs))
		}
		if got := string(f.reqs[0].Source); got != inferBody {
			t.Errorf("%v: Source: got %q, want %q", f.reqs[0].Model, got, inferBody)
		}
		if f.reqs[0].ID != "req-1" {
			t.Errorf("%v: ID: got %q, want req-1", f.reqs[0].Model, f.reqs[0].ID)
		}
	}
}

func TestInferVersionFromPath(t *testing.T) {
	t.Parallel()
	a := &fake{}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Model: adapters.ModelRef{Name: "m", Version: "1"}, Adapter: a}))
	rec := do(t, g, "POST", "/v2/models/iris/versions/5/infer", inferBody)
	wantStatus(t, rec, 200, "")
	if d := cmp.Diff([]string{"infer m@5"}, a.Calls()); d != "" {
		t.Errorf("adapter calls (-want +got):\n%s", d)
	}
}

// TestInferErrors covers every error status of the infer path.
func TestInferErrors(t *testing.T) {
	t.Parallel()
	type infer = func(context.Context, *adapters.Request) (*adapters.Response, error)
	tests := []struct {
		name       string
		infer      infer
		timeout    time.Duration
		path, body string
		header     []string
		status     int
		msg        string // exact client message
		retryAfter string
	}{
		{name: "malformed JSON", body: `{"inputs": [`, status: 400, msg: `model "iris": invalid input: `},
		{name: "shape mismatch", body: `{"inputs":[{"name":"x","shape":[3],"datatype":"FP64","data":[1,2]}]}`, status: 400,
			msg: `model "iris": invalid input: `},
		{name: "unknown model", path: "/v2/models/nope/infer", status: 404, msg: `model "nope" is not served by this gateway`},
		{name: "body too large", body: `{"inputs":[` + strings.Repeat(" ", 200) + `]}`, status: 413, msg: "request body exceeds 128 bytes"},
		{name: "image body", header: []string{"Content-Type", "image/png"}, status: 415,
			msg: `unsupported Content-Type "image/png": send application/json`},
		{name: "binary extension", header: []string{"Content-Type", "application/octet-stream"}, status: 415,
			msg: `unsupported Content-Type "application/octet-stream" without an Inference-Header-Content-Length header: send JSON, or binary tensor data after JSON of that length`},
		{name: "gzip body", header: []string{"Content-Encoding", "gzip"}, status: 415,
			msg: `unsupported Content-Encoding "gzip": send the request body uncompressed`},
		{name: "bad client timeout", header: []string{HeaderRequestTimeout, "soon"}, status: 400,
			msg: `invalid X-Request-Timeout "soon": want seconds ("2.5") or a Go duration ("250ms")`},
		{name: "negative client timeout", header: []string{HeaderRequestTimeout, "-1"}, status: 400,
			msg: `invalid X-Request-Timeout "-1": must be positive`},
		{name: "backend rejects input", infer: fail("a", 400, adapters.ErrInvalidInput, "wrong shape"), status: 400,
			msg: `model "iris": backend "a" rejected the input (upstream 400): wrong shape`},
		{name: "backend lacks model", infer: fail("a", 404, adapters.ErrModelNotFound, ""), status: 404,
			msg: `model "iris": backend "a" does not serve model "iris" (upstream 404)`},
		{name: "rate limited", infer: func(_ context.Context, r *adapters.Request) (*adapters.Response, error) {
			return nil, &adapters.Error{Op: "infer", Backend: "a", Model: "iris", Status: 429, RetryAfter: 2500 * time.Millisecond, Err: adapters.ErrRateLimited}
		}, status: 429, msg: `model "iris": backend "a" is rate limiting requests (upstream 429)`, retryAfter: "3"},
		{name: "unavailable", infer: fail("a", 503, adapters.ErrUnavailable, "loading"), status: 503,
			msg: `model "iris": backend "a" is unavailable (upstream 503): loading`, retryAfter: "1"},
		{name: "unsupported", infer: fail("a", 501, errors.ErrUnsupported, ""), status: 501,
			msg: `model "iris": backend "a" does not support infer (upstream 501)`},
		{name: "bad upstream", infer: fail("a", 500, adapters.ErrBadUpstream, "oops"), status: 502,
			msg: `model "iris": backend "a" sent an unusable response (upstream 500): oops`},
		{name: "model failed", infer: fail("a", 400, adapters.ErrModelFailed, "ZeroDivisionError"), status: 500,
			msg: `model "iris" failed: backend "a" (upstream 400): ZeroDivisionError`},
		{name: "unclassified error", infer: func(context.Context, *adapters.Request) (*adapters.Response, error) {
			return nil, errors.New("secret internals")
		}, status: 500, msg: `model "iris": backend "a" failed unexpectedly during infer`},
		{name: "client deadline", infer: hang, header: []string{HeaderRequestTimeout, "30ms"}, status: 504,
			msg: `model "iris": deadline exceeded after 30ms (X-Request-Timeout)`},
		{name: "client deadline in seconds", infer: hang, header: []string{HeaderRequestTimeout, "0.03"}, status: 504,
			msg: `model "iris": deadline exceeded after 30ms (X-Request-Timeout)`},
		{name: "route deadline", infer: hang, timeout: 30 * time.Millisecond, header: []string{HeaderRequestTimeout, "10s"}, status: 504,
			msg: `model "iris": deadline exceeded after 30ms (route timeout)`},
		{name: "opaque answer", infer: func(context.Context, *adapters.Request) (*adapters.Response, error) {
			return &adapters.Response{Raw: &adapters.Payload{ContentType: "image/png", Data: []byte{1}}}, nil
		}, status: 502, msg: `model "iris": backend "a" returned an opaque "image/png" payload, which OIP JSON cannot carry`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := oneRoute(tt.timeout, Target{Backend: "a", Adapter: &fake{infer: tt.infer}})
			opts.MaxBodyBytes = 128
			g := newGateway(t, opts)
			path, body := tt.path, tt.body
			if path == "" {
				path = "/v2/models/iris/infer"
			}
			if body == "" {
				body = inferBody
			}
			rec := do(t, g, "POST", path, body, append([]string{HeaderRequestID, "rid-1"}, tt.header...)...)
			wantStatus(t, rec, tt.status, "")
			if msg := errorMessage(t, rec); !strings.HasPrefix(msg, tt.msg) || (!strings.HasSuffix(tt.msg, ": ") && msg != tt.msg) {
				t.Errorf("error:\ngot  %s\nwant %s", msg, tt.msg)
			}
			if got := rec.Result().Header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After: got %q, want %q", got, tt.retryAfter)
			}
			if got := rec.Result().Header.Get(HeaderRequestID); got != "rid-1" {
				t.Errorf("%s: got %q, want \"rid-1\"", HeaderRequestID, got)
			}
		})
	}
}

// TestInferClientGone checks 499 when the client cancels mid-request.
func TestInferClientGone(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	a := &fake{infer: func(ctx context.Context, r *adapters.Request) (*adapters.Response, error) {
		close(started)
		return hang(ctx, r)
	}}
	g := newGateway(t, oneRoute(time.Minute, Target{Backend: "a", Adapter: a}))
	ctx, cancel := context.WithCancel(context.Background())
	req := httpRequest(t, ctx, "POST", "/v2/models/iris/infer", inferBody)
	go func() { <-started; cancel() }()
	rec := serve(g, req)
	wantStatus(t, rec, StatusClientClosedRequest, "")
	if msg := errorMessage(t, rec); msg != `model "iris": the client closed the request` {
		t.Errorf("error: got %q", msg)
	}
}

func TestBodyLimitWithoutContentLength(t *testing.T) {
	t.Parallel()
	opts := oneRoute(0, Target{Backend: "a", Adapter: &fake{}})
	opts.MaxBodyBytes = 16
	g := newGateway(t, opts)
	req := httpRequest(t, context.Background(), "POST", "/v2/models/iris/infer", inferBody)
	req.ContentLength = -1 // chunked: the limit must hold while reading
	rec := serve(g, req)
	wantStatus(t, rec, http.StatusRequestEntityTooLarge, `{"error":"request body exceeds 16 bytes"}`)
}

func TestRepositoryIndex(t *testing.T) {
	t.Parallel()
	down := func(context.Context, adapters.ModelRef) error {
		return &adapters.Error{Op: "ready", Backend: "z", Model: "m", Status: 503, Err: adapters.ErrUnavailable}
	}
	g := newGateway(t, Options{Routes: []Route{
		{Name: "zeta", Targets: []Target{{Backend: "z", Adapter: &fake{ready: down}}}},
		{Name: "alpha", Targets: []Target{{Backend: "a", Adapter: &fake{}}}},
		{Name: "mid", Targets: []Target{{Backend: "z", Adapter: &fake{ready: down}}, {Backend: "a", Adapter: &fake{}}}},
	}})
	rec := do(t, g, "POST", "/v2/repository/index", "")
	wantStatus(t, rec, 200, `[{"name":"alpha","state":"READY"},{"name":"mid","state":"READY"},`+
		`{"name":"zeta","state":"UNAVAILABLE","reason":"model \"zeta\" is not ready: backend \"z\" is unavailable (upstream 503)"}]`)
	rec = do(t, g, "POST", "/v2/repository/index", `{"ready": true}`)
	wantStatus(t, rec, 200, `[{"name":"alpha","state":"READY"},{"name":"mid","state":"READY"}]`)
	rec = do(t, g, "POST", "/v2/repository/index", `{"ready": "yes"}`)
	wantStatus(t, rec, 400, "")
}

// TestRepositoryIndexSlow checks that hanging readiness checks run
// concurrently and are cut off by the index timeout.
func TestRepositoryIndexSlow(t *testing.T) {
	t.Parallel()
	slow := func(ctx context.Context, _ adapters.ModelRef) error { <-ctx.Done(); return ctx.Err() }
	var routes []Route
	for _, n := range []string{"a", "b", "c", "d"} {
		routes = append(routes, Route{Name: n, Targets: []Target{{Backend: "s", Adapter: &fake{ready: slow}}}})
	}
	g := newGateway(t, Options{Routes: routes})
	g.indexTimeout = 100 * time.Millisecond
	start := time.Now()
	rec := do(t, g, "POST", "/v2/repository/index", "")
	if took := time.Since(start); took > 350*time.Millisecond {
		t.Errorf("index took %s, want about 100ms: checks must run concurrently", took)
	}
	wantStatus(t, rec, 200, `[{"name":"a","state":"UNAVAILABLE","reason":"readiness check timed out"},`+
		`{"name":"b","state":"UNAVAILABLE","reason":"readiness check timed out"},`+
		`{"name":"c","state":"UNAVAILABLE","reason":"readiness check timed out"},`+
		`{"name":"d","state":"UNAVAILABLE","reason":"readiness check timed out"}]`)
}

// TestEscapedModelNames checks that model names in paths are
// percent-decoded exactly once.
func TestEscapedModelNames(t *testing.T) {
	t.Parallel()
	g := newGateway(t, Options{Routes: []Route{
		{Name: "my model", Targets: []Target{{Backend: "a", Adapter: &fake{}}}},
		{Name: "100%", Targets: []Target{{Backend: "a", Adapter: &fake{}}}},
	}})
	tests := []struct{ path, want string }{
		{"/v2/models/my%20model/ready", `{"name":"my model","ready":true}`},
		{"/v2/models/100%25/ready", `{"name":"100%","ready":true}`},
		{"/v2/models/my%20model/versions/1%2E0/ready", `{"name":"my model","ready":true}`},
	}
	for _, tt := range tests {
		wantStatus(t, do(t, g, "GET", tt.path, ""), 200, tt.want)
	}
	wantStatus(t, do(t, g, "GET", "/v2/models/100%2525/ready", ""), 404, `{"error":"model \"100%25\" is not served by this gateway"}`)
	wantStatus(t, do(t, g, "POST", "/v1/models/100%25:predict", `{"instances":[1]}`), 200, `{"predictions":[1]}`)
}

// TestInferOIPOutputsAsWritten checks that v2 infer asks for the backend's
// outputs as written and sends them on unchanged after its own head (route
// name, version, the client's id) with an exact Content-Length, also when
// large, and that the v1 front end, which needs the data, does not ask.
func TestInferOIPOutputsAsWritten(t *testing.T) {
	t.Parallel()
	small := `[ {"name":"y","shape":[2],"datatype":"FP64","data":[1.50, 2e0]} ]`
	large := `[{"name":"y","shape":[2000],"datatype":"INT32","data":[` + strings.TrimSuffix(strings.Repeat("12345,", 2000), ",") + `]}]`
	// sized makes the whole answer to request id n bytes long, around the
	// size up to which net/http sets Content-Length itself.
	sized := func(id string, n int) string {
		head := len(`{"model_name":"iris","model_version":"7","id":"` + id + `","outputs":` + `}`)
		pad := n - head - len(`[{"name":"y","shape":[1],"datatype":"BYTES","data":[""]}]`)
		return `[{"name":"y","shape":[1],"datatype":"BYTES","data":["` + strings.Repeat("x", pad) + `"]}]`
	}
	outputs := map[string]string{"req-1": small, "big": large,
		"b2047": sized("b2047", 2047), "b2048": sized("b2048", 2048), "b2049": sized("b2049", 2049)}
	var accepted []bool
	var mu sync.Mutex
	a := &fake{infer: func(_ context.Context, req *adapters.Request) (*adapters.Response, error) {
		mu.Lock()
		accepted = append(accepted, req.AcceptOIPOutputs)
		mu.Unlock()
		resp := &adapters.Response{ID: "backend-id", Model: adapters.ModelRef{Name: "backend-m", Version: "7"}, Outputs: req.Inputs}
		if req.AcceptOIPOutputs {
			resp.Outputs = []adapters.Tensor{{Name: "y", DType: adapters.FP64, Shape: []int64{2}}}
			resp.OIPOutputs = []byte(outputs[req.ID])
		}
		return resp, nil
	}}
	srv := httptest.NewServer(newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: a})).Handler())
	t.Cleanup(srv.Close)
	for _, tt := range []struct{ id, outputs string }{{"req-1", small}, {"big", large},
		{"b2047", outputs["b2047"]}, {"b2048", outputs["b2048"]}, {"b2049", outputs["b2049"]}} {
		body := strings.Replace(inferBody, "req-1", tt.id, 1)
		resp, err := srv.Client().Post(srv.URL+"/v2/models/iris/infer", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := `{"model_name":"iris","model_version":"7","id":"` + tt.id + `","outputs":` + tt.outputs + `}`
		if resp.StatusCode != 200 || string(got) != want {
			t.Fatalf("%s: status %d, body\n%.200s\nwant\n%.200s", tt.id, resp.StatusCode, got, want)
		}
		if size, err := strconv.Atoi(strings.TrimPrefix(tt.id, "b")); err == nil && len(want) != size {
			t.Fatalf("%s: the answer is %d bytes, the test meant %d", tt.id, len(want), size)
		}
		if resp.ContentLength != int64(len(want)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: Content-Length %d, Transfer-Encoding %v; want %d and none", tt.id, resp.ContentLength, resp.TransferEncoding, len(want))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", tt.id, ct)
		}
	}
	v1, err := srv.Client().Post(srv.URL+"/v1/models/iris:predict", "application/json", strings.NewReader(`{"instances":[1.5]}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = v1.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if v1.StatusCode != 200 || !slices.Equal(accepted, []bool{true, true, true, true, true, false}) {
		t.Errorf("v1 status %d; AcceptOIPOutputs per call %v, want 5 × true, then false", v1.StatusCode, accepted)
	}
}

// TestInferScansWhenEveryTargetSendsSource checks that input data is
// decoded unless every target of the route sends the client's body as it
// is, and that a bad body gets the same 400 either way.
func TestInferScansWhenEveryTargetSendsSource(t *testing.T) {
	t.Parallel()
	answer := func(_ context.Context, req *adapters.Request) (*adapters.Response, error) {
		return &adapters.Response{Outputs: []adapters.Tensor{{Name: "y", DType: adapters.FP64, Shape: []int64{1},
			Data: adapters.TensorData{FP64: []float64{1}}}}}, nil
	}
	for _, tt := range []struct {
		name     string
		a, b     bool // the targets' SendsSource
		wantData []float64
	}{
		{"all send source", true, true, nil},
		{"one does not", true, false, []float64{1.5, 2}},
		{"none does", false, false, []float64{1.5, 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first := &fake{infer: fail("a", 503, adapters.ErrUnavailable, "down")}
			second := &fake{infer: answer}
			g := newGateway(t, oneRoute(time.Second,
				Target{Backend: "a", Adapter: first, SendsSource: tt.a},
				Target{Backend: "b", Adapter: second, SendsSource: tt.b}))
			rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody, "Content-Type", "application/json")
			wantStatus(t, rec, 200, "")
			for _, f := range []*fake{first, second} {
				if len(f.reqs) != 1 {
					t.Fatalf("got %d requests, want 1", len(f.reqs))
				}
				r := f.reqs[0]
				if string(r.Source) != inferBody || len(r.Inputs) != 1 || r.Inputs[0].Name != "x" || r.Inputs[0].DType != adapters.FP64 {
					t.Fatalf("request: Source %q, Inputs %+v; want the body and input x FP64", r.Source, r.Inputs)
				}
				if !slices.Equal(r.Inputs[0].Data.FP64, tt.wantData) {
					t.Errorf("input data %v, want %v", r.Inputs[0].Data.FP64, tt.wantData)
				}
			}
			bad := strings.Replace(inferBody, "[1.5,2]", `[1.5,"2"]`, 1)
			rec = do(t, g, "POST", "/v2/models/iris/infer", bad, "Content-Type", "application/json")
			wantStatus(t, rec, 400, `{"error":"model \"iris\": invalid input: input \"x\": element 1: \"2\" is not an FP64"}`)
		})
	}
}
