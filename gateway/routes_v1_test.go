// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
)

// TestV1PredictRoundTrip checks TF Serving's row and columnar formats end to
// end (PROTOCOLS.md §1.2–1.3): the fake echoes its inputs as outputs, so the
// response is the request re-encoded in the matching format.
func TestV1PredictRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, body, want string
	}{
		{"row, one input", "/v1/models/iris:predict", `{"instances": [1.0, 2.5]}`, `{"predictions":[1.0,2.5]}`},
		{"columnar, one input", "/v1/models/iris:predict", `{"inputs": [[1, 2], [3, 4]]}`, `{"outputs":[[1,2],[3,4]]}`},
		{"row, named inputs", "/v1/models/iris:predict", `{"instances": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}`,
			`{"predictions":[{"a":1,"b":"x"},{"a":2,"b":"y"}]}`},
		{"columnar, named inputs", "/v1/models/iris:predict", `{"inputs": {"a": [1.5], "b": [true]}}`,
			`{"outputs":{"a":[1.5],"b":[true]}}`},
		{"upper-case path", "/V1/MODELS/iris/VERSIONS/2:predict", `{"instances": [1.0]}`, `{"predictions":[1.0]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{}}))
			// curl -d sends a form content type; TF Serving ignores it, so do we.
			rec := do(t, g, "POST", tt.path, tt.body, "Content-Type", "application/x-www-form-urlencoded")
			wantStatus(t, rec, 200, tt.want)
			if got := rec.Result().Header.Get(HeaderBackend); got != "a" {
				t.Errorf("%s: got %q, want \"a\"", HeaderBackend, got)
			}
		})
	}
}

// TestV1PredictUsesSignature checks that the target's metadata types and
// names the inputs, and is fetched once.
func TestV1PredictUsesSignature(t *testing.T) {
	t.Parallel()
	a := &fake{meta: func(context.Context, adapters.ModelRef) (*adapters.ModelMetadata, error) {
		return &adapters.ModelMetadata{Name: "m", Inputs: []adapters.TensorMetadata{{Name: "x", DType: adapters.FP32, Shape: []int64{-1}}}}, nil
	}}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Model: adapters.ModelRef{Name: "m"}, Adapter: a}))
	for range 2 {
		rec := do(t, g, "POST", "/v1/models/iris/versions/3:predict", `{"inputs": [1, 2]}`)
		wantStatus(t, rec, 200, `{"outputs":[1.0,2.0]}`)
	}
	if d := cmp.Diff([]string{"metadata m@3", "infer m@3", "infer m@3"}, a.Calls()); d != "" {
		t.Errorf("adapter calls (-want +got):\n%s", d)
	}
	want := adapters.Tensor{Name: "x", DType: adapters.FP32, Shape: []int64{2}, Data: adapters.TensorData{FP32: []float32{1, 2}}}
	if d := cmp.Diff(want, a.reqs[0].Inputs[0]); d != "" {
		t.Errorf("input the adapter saw (-want +got):\n%s", d)
	}
	if a.reqs[0].Source != nil {
		t.Errorf("a v1 request reached the adapter with Source %q, want nil: it is not an OIP body", a.reqs[0].Source)
	}
}

func TestV1Status(t *testing.T) {
	t.Parallel()
	missing := func(_ context.Context, m adapters.ModelRef) error {
		return &adapters.Error{Op: "ready", Backend: "a", Model: m.String(), Status: 404, Err: adapters.ErrModelNotFound}
	}
	down := func(_ context.Context, m adapters.ModelRef) error {
		return &adapters.Error{Op: "ready", Backend: "a", Model: m.String(), Status: 503, Message: "loading", Err: adapters.ErrUnavailable}
	}
	tests := []struct {
		name, path string
		ready      func(context.Context, adapters.ModelRef) error
		version    string // target's configured version
		status     int
		body       string
	}{
		{"available", "/v1/models/iris", nil, "", 200,
			`{"model_version_status":[{"version":"0","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`},
		{"configured version", "/v1/models/iris", nil, "12", 200,
			`{"model_version_status":[{"version":"12","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`},
		{"path version", "/v1/models/iris/versions/3", nil, "12", 200,
			`{"model_version_status":[{"version":"3","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`},
		{"unavailable", "/v1/models/iris", down, "", 200,
			`{"model_version_status":[{"version":"0","state":"UNKNOWN","status":{"error_code":"UNAVAILABLE","error_message":"backend \"a\" is unavailable (upstream 503): loading"}}]}`},
		{"no versions", "/v1/models/iris", missing, "", 404, `{"error":"Could not find any versions of model iris"}`},
		{"no such version", "/v1/models/iris/versions/3", missing, "", 404, `{"error":"Could not find version 3 of model iris"}`},
		{"unknown model", "/v1/models/nope", nil, "", 404, `{"error":"model \"nope\" is not served by this gateway"}`},
		{"list models", "/v1/models", nil, "", 400, `{"error":"Missing model name in request."}`},
		{"label", "/v1/models/iris/labels/stable", nil, "", 400, `{"error":"Unrecognized servable version label: stable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, oneRoute(0, Target{Backend: "a", Model: adapters.ModelRef{Version: tt.version}, Adapter: &fake{ready: tt.ready}}))
			wantStatus(t, do(t, g, "GET", tt.path, ""), tt.status, tt.body)
		})
	}
}

func TestV1Metadata(t *testing.T) {
	t.Parallel()
	a := &fake{meta: func(context.Context, adapters.ModelRef) (*adapters.ModelMetadata, error) {
		return &adapters.ModelMetadata{
			Name: "backend-name", Platform: "tensorflow",
			Inputs:  []adapters.TensorMetadata{{Name: "x", DType: adapters.FP32, Shape: []int64{-1, 1}}},
			Outputs: []adapters.TensorMetadata{{Name: "y", DType: adapters.Bytes, Shape: []int64{}}},
		}, nil
	}}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: a}))
	rec := do(t, g, "GET", "/v1/models/iris/versions/123/metadata", "")
	wantStatus(t, rec, 200, `{"model_spec":{"name":"iris","signature_name":"","version":"123"},`+
		`"metadata":{"signature_def":{"signature_def":{"serving_default":{`+
		`"inputs":{"x":{"dtype":"DT_FLOAT","tensor_shape":{"dim":[{"size":"-1","name":""},{"size":"1","name":""}],"unknown_rank":false},"name":"x"}},`+
		`"outputs":{"y":{"dtype":"DT_STRING","tensor_shape":{"dim":[],"unknown_rank":false},"name":"y"}},`+
		`"method_name":"tensorflow/serving/predict","defaults":{}}}}}}`)
}

func TestV1Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		infer                    func(context.Context, *adapters.Request) (*adapters.Response, error)
		status                   int
		want                     string
	}{
		{name: "GET on predict", method: "GET", path: "/v1/models/iris:predict", status: 400,
			want: `{"error":"Malformed request: GET /v1/models/iris:predict"}`},
		{name: "version and label", method: "POST", path: "/v1/models/iris/versions/1/labels/x:predict", status: 400,
			want: `{"error":"Malformed request: POST /v1/models/iris/versions/1/labels/x:predict"}`},
		{name: "classify", method: "POST", path: "/v1/models/iris:classify", status: 501,
			want: `{"error":"model \"iris\": :classify is not supported by modelgate; use :predict"}`},
		{name: "regress", method: "POST", path: "/v1/models/iris:regress", status: 501,
			want: `{"error":"model \"iris\": :regress is not supported by modelgate; use :predict"}`},
		{name: "unknown model", method: "POST", path: "/v1/models/nope:predict", status: 404,
			want: `{"error":"model \"nope\" is not served by this gateway"}`},
		{name: "label", method: "POST", path: "/v1/models/iris/labels/canary:predict", status: 400,
			want: `{"error":"Unrecognized servable version label: canary"}`},
		{name: "missing key", method: "POST", path: "/v1/models/iris:predict", body: `{"signature_name": "serving_default"}`, status: 400,
			want: `{"error":"Missing 'inputs' or 'instances' key"}`},
		{name: "too large", method: "POST", path: "/v1/models/iris:predict", body: `{"instances": [` + string(make([]byte, 200)) + `]}`,
			status: 413, want: `{"error":"request body exceeds 128 bytes"}`},
		{name: "backend unavailable", method: "POST", path: "/v1/models/iris:predict", body: `{"instances": [1]}`,
			infer: fail("a", 503, adapters.ErrUnavailable, ""), status: 503,
			want: `{"error":"model \"iris\": backend \"a\" is unavailable (upstream 503)"}`},
		{name: "outside v1", method: "GET", path: "/v1", status: 404, want: `{"error":"no such endpoint: GET /v1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := oneRoute(0, Target{Backend: "a", Adapter: &fake{infer: tt.infer}})
			opts.MaxBodyBytes = 128
			g := newGateway(t, opts)
			wantStatus(t, do(t, g, tt.method, tt.path, tt.body), tt.status, tt.want)
		})
	}
}

func TestV1PredictErrors(t *testing.T) {
	t.Parallel()
	twoOutputs := func(context.Context, *adapters.Request) (*adapters.Response, error) {
		return &adapters.Response{Outputs: []adapters.Tensor{
			{Name: "a", DType: adapters.Int64, Shape: []int64{2}, Data: adapters.TensorData{Int64: []int64{1, 2}}},
			{Name: "b", DType: adapters.Int64, Shape: []int64{3}, Data: adapters.TensorData{Int64: []int64{1, 2, 3}}},
		}}, nil
	}
	tests := []struct {
		name, body string
		infer      func(context.Context, *adapters.Request) (*adapters.Response, error)
		header     []string
		status     int
		want       string // exact client message, or a prefix ending in "…"
	}{
		{name: "malformed JSON", body: `{"instances": [1,`, status: 400, want: "JSON Parse error: …"},
		{name: "other signature", body: `{"signature_name": "other", "instances": [1]}`, status: 400,
			want: `Serving signature name: "other" not found in signature def`},
		{name: "empty instances", body: `{"instances": []}`, status: 400, want: "…No values in 'instances' array…"},
		{name: "inconsistent batch in row answer", body: `{"instances": [1, 2]}`, infer: twoOutputs, status: 400,
			want: "…inconsistent batch size…"},
		{name: "deadline", body: `{"instances": [1]}`, infer: hang, header: []string{HeaderRequestTimeout, "20ms"}, status: 504,
			want: `model "iris": deadline exceeded after 20ms (X-Request-Timeout)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{infer: tt.infer}}))
			rec := do(t, g, "POST", "/v1/models/iris:predict", tt.body, tt.header...)
			wantStatus(t, rec, tt.status, "")
			if msg := errorMessage(t, rec); !matches(msg, tt.want) {
				t.Errorf("error:\ngot  %s\nwant %s", msg, tt.want)
			}
		})
	}
}

// TestV1SignatureFallback checks that the signature comes from the first
// target that publishes one, skipping an unavailable one.
func TestV1SignatureFallback(t *testing.T) {
	t.Parallel()
	down := &fake{meta: func(_ context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
		return nil, &adapters.Error{Op: "metadata", Backend: "a", Model: m.String(), Status: 503, Err: adapters.ErrUnavailable}
	}, infer: fail("a", 503, adapters.ErrUnavailable, "")}
	up := &fake{meta: func(context.Context, adapters.ModelRef) (*adapters.ModelMetadata, error) {
		return &adapters.ModelMetadata{Inputs: []adapters.TensorMetadata{{Name: "x", DType: adapters.Int32, Shape: []int64{-1}}}}, nil
	}}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: down}, Target{Backend: "b", Adapter: up}))
	rec := do(t, g, "POST", "/v1/models/iris:predict", `{"instances": [1, 2]}`)
	wantStatus(t, rec, 200, `{"predictions":[1,2]}`)
	if got := rec.Result().Header.Get(HeaderBackend); got != "b" {
		t.Errorf("%s: got %q, want \"b\"", HeaderBackend, got)
	}
	want := adapters.Tensor{Name: "x", DType: adapters.Int32, Shape: []int64{2}, Data: adapters.TensorData{Int32: []int32{1, 2}}}
	if d := cmp.Diff(want, up.reqs[0].Inputs[0]); d != "" {
		t.Errorf("input the fallback target saw (-want +got):\n%s", d)
	}
}

// matches compares a message with want, where a leading or trailing "…"
// in want allows any text there.
func matches(msg, want string) bool {
	prefix, suffix := strings.HasPrefix(want, "…"), strings.HasSuffix(want, "…")
	core := strings.TrimSuffix(strings.TrimPrefix(want, "…"), "…")
	switch {
	case prefix && suffix:
		return strings.Contains(msg, core)
	case suffix:
		return strings.HasPrefix(msg, core)
	case prefix:
		return strings.HasSuffix(msg, core)
	}
	return msg == want
}

// TestV1SignatureFailureIsRemembered checks that a backend whose metadata
// call fails is not asked again on every predict (one call per
// signatureRetryAfter), and that the predicts still succeed unsigned.
func TestV1SignatureFailureIsRemembered(t *testing.T) {
	t.Parallel()
	var metaCalls atomic.Int32
	f := &fake{meta: func(_ context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
		metaCalls.Add(1)
		return nil, &adapters.Error{Op: "metadata", Backend: "a", Model: m.String(), Status: 404, Err: adapters.ErrModelNotFound}
	}}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: f}))
	for range 3 {
		rec := do(t, g, "POST", "/v1/models/iris:predict", `{"instances": [1, 2]}`)
		wantStatus(t, rec, 200, `{"predictions":[1,2]}`)
	}
	if got := metaCalls.Load(); got != 1 {
		t.Fatalf("metadata calls = %d, want 1 (a failure is remembered for %v)", got, signatureRetryAfter)
	}
}
