// SPDX-License-Identifier: Apache-2.0

package oip_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/oip"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ok := oip.Options{BaseURL: mustURL(t, "http://h:8000"), Client: &http.Client{}}
	tests := []struct {
		name   string
		modify func(*oip.Options)
		want   string // "" = success
	}{
		{"minimal", func(*oip.Options) {}, ""},
		{"https with model", func(o *oip.Options) {
			o.BaseURL, o.Model = mustURL(t, "https://h/prefix/"), adapters.ModelRef{Name: "m", Version: "1"}
		}, ""},
		{"no base url", func(o *oip.Options) { o.BaseURL = nil }, "Options.BaseURL is required"},
		{"relative base url", func(o *oip.Options) { o.BaseURL = mustURL(t, "/v2") }, "must be an absolute http(s) URL"},
		{"other scheme", func(o *oip.Options) { o.BaseURL = mustURL(t, "grpc://h:8001") }, "must be an absolute http(s) URL"},
		{"no host", func(o *oip.Options) { o.BaseURL = mustURL(t, "http:///x") }, "must be an absolute http(s) URL"},
		{"no client", func(o *oip.Options) { o.Client = nil }, "Options.Client is required"},
		{"negative limit", func(o *oip.Options) { o.MaxResponseBytes = -1 }, "Options.MaxResponseBytes: must not be negative"},
		{"version without name", func(o *oip.Options) { o.Model.Version = "1" }, "Options.Model.Version is set without Options.Model.Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.modify(&o)
			a, err := oip.New(o)
			switch {
			case tt.want == "" && (err != nil || a == nil):
				t.Errorf("New error = %v, want success", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// pathRecorder answers 200 ready and records the path asked for.
type pathRecorder struct{ path string }

func (p *pathRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	p.path = r.URL.EscapedPath()
	return cannedTransport{status: 200}.RoundTrip(r)
}

func TestModelResolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		configured adapters.ModelRef
		call       adapters.ModelRef
		want       string
	}{
		{"call names the model", adapters.ModelRef{}, adapters.ModelRef{Name: "a", Version: "2"}, "/v2/models/a/versions/2/ready"},
		{"configured model when the call names none", adapters.ModelRef{Name: "b", Version: "1"}, adapters.ModelRef{}, "/v2/models/b/versions/1/ready"},
		{"configured version for the same name", adapters.ModelRef{Name: "b", Version: "1"}, adapters.ModelRef{Name: "b"}, "/v2/models/b/versions/1/ready"},
		{"call's version wins", adapters.ModelRef{Name: "b", Version: "1"}, adapters.ModelRef{Name: "b", Version: "5"}, "/v2/models/b/versions/5/ready"},
		{"another model takes no configured version", adapters.ModelRef{Name: "b", Version: "1"}, adapters.ModelRef{Name: "c"}, "/v2/models/c/ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &pathRecorder{}
			a, err := oip.New(oip.Options{BaseURL: mustURL(t, "http://h"), Client: &http.Client{Transport: rec}, Model: tt.configured})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.ModelReady(context.Background(), tt.call); err != nil {
				t.Fatalf("ModelReady error = %v, want nil", err)
			}
			if rec.path != tt.want {
				t.Errorf("path = %s, want %s", rec.path, tt.want)
			}
		})
	}
}

// TestInferRefusesLocally checks requests that cannot be sent fail with the
// right kind before any upstream request.
func TestInferRefusesLocally(t *testing.T) {
	t.Parallel()
	x := adapters.Tensor{Name: "x", DType: adapters.FP32, Shape: []int64{1}, Data: adapters.TensorData{FP32: []float32{1}}}
	tests := []struct {
		name  string
		model adapters.ModelRef
		req   *adapters.Request
		kind  error
		text  string
	}{
		{"nil request", adapters.ModelRef{Name: "m"}, nil, adapters.ErrInvalidInput, "no request"},
		{"raw payload", adapters.ModelRef{Name: "m"}, &adapters.Request{Raw: &adapters.Payload{ContentType: "image/png"}}, errors.ErrUnsupported, `raw "image/png" payload`},
		{"no inputs", adapters.ModelRef{Name: "m"}, &adapters.Request{}, adapters.ErrInvalidInput, "no inputs"},
		{"fp16", adapters.ModelRef{Name: "m"}, &adapters.Request{Inputs: []adapters.Tensor{{Name: "h", DType: adapters.FP16, Shape: []int64{1}}}}, adapters.ErrInvalidInput, `"h"`},
		{"shape mismatch", adapters.ModelRef{Name: "m"}, &adapters.Request{Inputs: []adapters.Tensor{{Name: "x", DType: adapters.FP32, Shape: []int64{2}, Data: x.Data}}}, adapters.ErrInvalidInput, `"x"`},
		{"bad parameter", adapters.ModelRef{Name: "m"}, &adapters.Request{Inputs: []adapters.Tensor{x}, Parameters: adapters.Parameters{"p": []int{1}}}, adapters.ErrInvalidInput, `"p"`},
		{"no model anywhere", adapters.ModelRef{}, &adapters.Request{Inputs: []adapters.Tensor{x}}, adapters.ErrInvalidInput, "no model named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &pathRecorder{}
			a, err := oip.New(oip.Options{BaseURL: mustURL(t, "http://h"), Client: &http.Client{Transport: rec}, Model: tt.model})
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Infer(context.Background(), tt.req)
			if !errors.Is(err, tt.kind) || err == nil || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Infer error = %v, want %v mentioning %s", err, tt.kind, tt.text)
			}
			if _, ok := errors.AsType[*adapters.Error](err); !ok {
				t.Errorf("Infer error is a %T, want an *adapters.Error", err)
			}
			if rec.path != "" {
				t.Errorf("upstream was asked for %s, want no request", rec.path)
			}
		})
	}
}
