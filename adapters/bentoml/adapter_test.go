// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://127.0.0.1:3000")
	valid := func() Options { return Options{BaseURL: base, Client: &http.Client{}} }
	tests := []struct {
		name    string
		change  func(o *Options)
		wantErr string
	}{
		{"no base URL", func(o *Options) { o.BaseURL = nil }, "Options.BaseURL is required"},
		{"relative base URL", func(o *Options) { o.BaseURL = &url.URL{Path: "x"} }, "Options.BaseURL"},
		{"no client", func(o *Options) { o.Client = nil }, "Options.Client is required"},
		{"leading slash in API", func(o *Options) { o.API = "/predict" }, "Options.API"},
		{"dot-dot in API", func(o *Options) { o.API = "v1/../admin" }, "Options.API"},
		{"empty param name", func(o *Options) { o.Params = map[string]string{"x": ""} }, `Options.Params["x"]`},
		{"empty tensor name", func(o *Options) { o.Params = map[string]string{"": "x"} }, "tensor name is empty"},
		{"two tensors, one param", func(o *Options) { o.Params = map[string]string{"a": "p", "b": "p"} },
			`tensors "a" and "b" both map to parameter "p"`},
		{"empty output name", func(o *Options) { o.OutputNames = []string{""} }, "Options.OutputNames[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := valid()
			tt.change(&o)
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := New(valid()); err != nil {
		t.Errorf("New(valid options) error = %v, want nil", err)
	}
}

func TestURLLike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"http://example.com", true},
		{"HTTPS://example.com", true},
		{"  \t\"https://x", true},
		{"'ftp://x'", true},
		{"file:///etc/passwd", true},
		{"ht\ntp://x", true},       // urlparse drops tabs and newlines
		{"\xff\xfehttp://x", true}, // decode("utf-8", "ignore") drops invalid bytes
		{"\x00\x01https:x", true},  // leading C0 controls are stripped
		{"http", false},            // no scheme separator
		{"gopher://x", false},      // not a refused scheme
		{"see http://x", false},    // not at the start
		{"/etc/passwd", false},     // a path, not a URL
		{"", false},
		{"\x89PNG\r\n\x1a\n", false},
	}
	for _, tt := range tests {
		if got := urlLike([]byte(tt.in)); got != tt.want {
			t.Errorf("urlLike(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestMetadataRefreshesValidation checks that Infer validates against the
// schema of the latest ModelMetadata call, and not at all before one.
func TestMetadataRefreshesValidation(t *testing.T) {
	t.Parallel()
	var schemaN, calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/schema.json" {
			param := "a"
			if schemaN.Add(1) > 1 {
				param = "b"
			}
			bentoJSON(w, http.StatusOK, map[string]any{"name": "S", "routes": []map[string]any{{
				"name": "predict", "route": "/predict",
				"input":  map[string]any{"type": "object", "properties": map[string]any{param: map[string]any{"type": "number"}}},
				"output": map[string]any{"type": "number"},
			}}})
			return
		}
		calls.Add(1)
		bentoJSON(w, http.StatusOK, 1)
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	a, err := New(Options{BaseURL: base, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reqB := &adapters.Request{Inputs: []adapters.Tensor{{Name: "b", DType: adapters.FP64, Shape: []int64{}, Data: adapters.TensorData{FP64: []float64{1}}}}}
	steps := []struct {
		metadata bool
		wantErr  error
	}{
		{false, nil},                     // no schema: sent unchecked
		{true, adapters.ErrInvalidInput}, // schema has "a" only
		{true, nil},                      // refreshed schema has "b"
	}
	for i, s := range steps {
		if s.metadata {
			if _, err := a.ModelMetadata(ctx, adapters.ModelRef{}); err != nil {
				t.Fatalf("step %d: ModelMetadata error = %v", i, err)
			}
		}
		if _, err := a.Infer(ctx, reqB); !errors.Is(err, s.wantErr) || (s.wantErr == nil && err != nil) {
			t.Errorf("step %d: Infer error = %v, want %v", i, err, s.wantErr)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("API calls = %d, want 2 (the refused request never reaches BentoML)", got)
	}
}

// TestInferRefusesBeforeSending checks requests that fail on the gateway's
// side: the client's error, and no upstream request.
func TestInferRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	x := func(name string) adapters.Tensor {
		return adapters.Tensor{Name: name, DType: adapters.Int64, Shape: []int64{1}, Data: adapters.TensorData{Int64: []int64{1}}}
	}
	bin := adapters.Tensor{Name: "b", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{{0xff, 0xfe}}}}
	raw := func(ctype, body string) *adapters.Request {
		return &adapters.Request{Raw: &adapters.Payload{ContentType: ctype, Data: []byte(body)}}
	}
	tests := []struct {
		name    string
		req     *adapters.Request
		wantErr string
	}{
		{"no inputs", &adapters.Request{}, "the request has no inputs"},
		{"duplicate input", &adapters.Request{Inputs: []adapters.Tensor{x("a"), x("a")}}, `input "a" appears twice`},
		{"bytes not UTF-8", &adapters.Request{Inputs: []adapters.Tensor{bin}}, `input "b" element 0 is not valid UTF-8`},
		{"tensors and raw", &adapters.Request{Inputs: []adapters.Tensor{x("a")}, Raw: &adapters.Payload{Data: []byte("x")}},
			"either tensors or a raw payload"},
		{"multipart raw", raw("multipart/form-data; boundary=x", "--x--"), "does not forward form bodies"},
		{"raw URL with tab", raw("text/plain", "ht\ttps://10.0.0.1/"), "the raw payload is a URL"},
		{"control characters in content type", raw("image/png\nX: y", "x"), "has control characters"},
	}
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	a, err := New(Options{BaseURL: base, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := a.Infer(context.Background(), tt.req)
			if !errors.Is(err, adapters.ErrInvalidInput) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Infer error = %v, want invalid input containing %q", err, tt.wantErr)
			}
		})
	}
	t.Cleanup(func() {
		if n := calls.Load(); n != 0 {
			t.Errorf("upstream requests = %d, want 0", n)
		}
	})
}
