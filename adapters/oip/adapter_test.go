// SPDX-License-Identifier: Apache-2.0

package oip_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/oip"
)

func mustURL(t testing.TB, s string) *url.URL {
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

// bodyRecorder answers with a canned OIP response and records the request
// body sent upstream.
type bodyRecorder struct {
	mu   sync.Mutex
	path string
	body []byte
}

var cannedInferResponse = []byte(`{"model_name":"m","outputs":[{"name":"y","shape":[1],"datatype":"FP32","data":[2]}]}`)

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	_ = r.Body.Close()
	b.mu.Lock()
	b.path, b.body = r.URL.EscapedPath(), body
	b.mu.Unlock()
	return cannedTransport{status: 200, body: cannedInferResponse}.RoundTrip(r)
}

// TestInferForwardsSource checks that a request carrying the client's OIP
// body is sent as those bytes, verbatim, and one without it is encoded.
func TestInferForwardsSource(t *testing.T) {
	t.Parallel()
	// Not how AppendRequest would write it: nested data, spacing, key order,
	// an extension member it does not know.
	source := []byte(`{ "inputs" : [{"datatype":"FP32","name":"x","shape":[1,2],"data":[[1.50, 2]]}], "id":"r1", "x-ext":{"a":1} }`)
	req, err := adapters.DecodeRequest(source)
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := adapters.AppendRequest(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		source []byte
		want   []byte
	}{
		{"source", source, source},
		{"no source", nil, encoded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &bodyRecorder{}
			a, err := oip.New(oip.Options{BaseURL: mustURL(t, "http://h"), Client: &http.Client{Transport: rec}, Model: adapters.ModelRef{Name: "m"}})
			if err != nil {
				t.Fatal(err)
			}
			r := req.Clone()
			r.Source = tt.source
			if _, err := a.Infer(context.Background(), r); err != nil {
				t.Fatalf("Infer error = %v", err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if !bytes.Equal(rec.body, tt.want) {
				t.Errorf("upstream body = %s, want %s", rec.body, tt.want)
			}
		})
	}
}

// BenchmarkInfer is one small OIP call without the network: encode, build
// the upstream request, decode the canned answer.
func BenchmarkInfer(b *testing.B) {
	req := &adapters.Request{ID: "r1", Inputs: []adapters.Tensor{{Name: "x", DType: adapters.FP32, Shape: []int64{1, 4},
		Data: adapters.TensorData{FP32: []float32{1, 2, 3, 4}}}}}
	src, err := adapters.AppendRequest(nil, req)
	if err != nil {
		b.Fatal(err)
	}
	big := &adapters.Request{ID: "r1", Inputs: []adapters.Tensor{{Name: "x", DType: adapters.FP32, Shape: []int64{1 << 20},
		Data: adapters.TensorData{FP32: make([]float32, 1<<20)}}}}
	for i := range big.Inputs[0].Data.FP32 {
		big.Inputs[0].Data.FP32[i] = float32(i) * 1.0001
	}
	bigSrc, err := adapters.AppendRequest(nil, big)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		req    *adapters.Request
		source []byte
		model  adapters.ModelRef
	}{
		{"encode", req, nil, adapters.ModelRef{Name: "m"}},
		{"source", req, src, adapters.ModelRef{Name: "m"}},
		{"other-version", req, src, adapters.ModelRef{Name: "m", Version: "2"}},
		{"fp32x1M-encode", big, nil, adapters.ModelRef{Name: "m"}},
		{"fp32x1M-source", big, bigSrc, adapters.ModelRef{Name: "m"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a, err := oip.New(oip.Options{BaseURL: mustURL(b, "http://h:8000/prefix"), Client: &http.Client{Transport: cannedTransport{status: 200, body: cannedInferResponse}},
				Model: adapters.ModelRef{Name: "m"}})
			if err != nil {
				b.Fatal(err)
			}
			r := *bc.req
			r.Source = bc.source
			r.Model = bc.model
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Infer(context.Background(), &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestInferEndpoint checks the infer path for the configured model (built
// once in New) and for others, and that the configured model's call
// allocates less than another's of the same shape: its URL is not rebuilt.
func TestInferEndpoint(t *testing.T) {
	x := adapters.Tensor{Name: "x", DType: adapters.FP32, Shape: []int64{1}, Data: adapters.TensorData{FP32: []float32{1}}}
	rec := &bodyRecorder{}
	a, err := oip.New(oip.Options{BaseURL: mustURL(t, "http://h/pre%2Ffix/"), Client: &http.Client{Transport: rec},
		Model: adapters.ModelRef{Name: "m/1", Version: "3"}})
	if err != nil {
		t.Fatal(err)
	}
	infer := func(ref adapters.ModelRef) {
		if _, err := a.Infer(context.Background(), &adapters.Request{Model: ref, Inputs: []adapters.Tensor{x}}); err != nil {
			t.Fatalf("Infer(%v) error = %v", ref, err)
		}
	}
	for _, tt := range []struct {
		call adapters.ModelRef
		want string
	}{
		{adapters.ModelRef{}, "/pre%2Ffix/v2/models/m%2F1/versions/3/infer"},
		{adapters.ModelRef{Name: "m/1"}, "/pre%2Ffix/v2/models/m%2F1/versions/3/infer"},
		{adapters.ModelRef{Name: "m/1", Version: "3"}, "/pre%2Ffix/v2/models/m%2F1/versions/3/infer"},
		{adapters.ModelRef{Name: "m/1", Version: "4"}, "/pre%2Ffix/v2/models/m%2F1/versions/4/infer"},
		{adapters.ModelRef{Name: ".."}, "/pre%2Ffix/v2/models/%2E%2E/infer"},
		{adapters.ModelRef{}, "/pre%2Ffix/v2/models/m%2F1/versions/3/infer"},
	} {
		infer(tt.call)
		if rec.path != tt.want {
			t.Errorf("Infer(%v) path = %s, want %s", tt.call, rec.path, tt.want)
		}
	}
	if testing.Short() {
		return
	}
	configured := testing.AllocsPerRun(50, func() { infer(adapters.ModelRef{Name: "m/1", Version: "3"}) })
	other := testing.AllocsPerRun(50, func() { infer(adapters.ModelRef{Name: "m/2", Version: "3"}) })
	if configured >= other {
		t.Errorf("Infer allocates %v times for the configured model and %v for another: want fewer, its URL is built once", configured, other)
	}
}

// TestInferAcceptOIPOutputs checks that a caller accepting OIP outputs gets
// the backend's outputs array as written, checked but not decoded, and
// that an answer the codec must adjust or refuse is handled as without it.
func TestInferAcceptOIPOutputs(t *testing.T) {
	t.Parallel()
	const outputs = `[ {"name":"y","datatype":"FP32","shape":[2,2],"data":[[1.50, 2],[3,4e0]]} ]`
	x := adapters.Tensor{Name: "x", DType: adapters.FP32, Shape: []int64{1}, Data: adapters.TensorData{FP32: []float32{1}}}
	for _, tt := range []struct {
		name     string
		answer   string
		accept   bool
		verbatim string    // want OIPOutputs
		data     []float32 // want the output's data
		err      error
	}{
		{"accepted", `{"model_name":"m","outputs": ` + outputs + `}`, true, outputs, nil, nil},
		{"not accepted", `{"model_name":"m","outputs": ` + outputs + `}`, false, "", []float32{1.5, 2, 3, 4}, nil},
		{"accepted but null parameters", `{"model_name":"m","outputs":[{"name":"y","datatype":"FP32","shape":[1],"parameters":null,"data":[7]}]}`,
			true, "", []float32{7}, nil},
		{"accepted but out of range", `{"model_name":"m","outputs":[{"name":"y","datatype":"INT8","shape":[1],"data":[300]}]}`,
			true, "", nil, adapters.ErrBadUpstream},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := oip.New(oip.Options{BaseURL: mustURL(t, "http://h"), Model: adapters.ModelRef{Name: "m"},
				Client: &http.Client{Transport: cannedTransport{status: 200, body: []byte(tt.answer)}}})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := a.Infer(context.Background(), &adapters.Request{Inputs: []adapters.Tensor{x}, AcceptOIPOutputs: tt.accept})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Infer error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.OIPOutputs) != tt.verbatim {
				t.Errorf("OIPOutputs = %q, want %q", resp.OIPOutputs, tt.verbatim)
			}
			if len(resp.Outputs) != 1 || resp.Outputs[0].Name != "y" || !slices.Equal(resp.Outputs[0].Data.FP32, tt.data) {
				t.Errorf("Outputs = %+v, want y with data %v", resp.Outputs, tt.data)
			}
		})
	}
}

// TestInferHoldsSource checks that the body sent from req.Source is held
// through req.SourceHold while the transport reads it, and released once
// the call is over; a re-encoded body is not held.
func TestInferHoldsSource(t *testing.T) {
	t.Parallel()
	source := []byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}`)
	req, err := adapters.DecodeRequest(source)
	if err != nil {
		t.Fatal(err)
	}
	for _, withSource := range []bool{true, false} {
		var taken, released atomic.Int32
		rec := &bodyRecorder{}
		a, err := oip.New(oip.Options{BaseURL: mustURL(t, "http://h"), Client: &http.Client{Transport: rec}, Model: adapters.ModelRef{Name: "m"}})
		if err != nil {
			t.Fatal(err)
		}
		r := req.Clone()
		if withSource {
			r.Source = source
		}
		r.SourceHold = func() func() {
			taken.Add(1)
			return func() { released.Add(1) }
		}
		if _, err := a.Infer(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		want := int32(0)
		if withSource {
			want = 1
		}
		if taken.Load() != want || released.Load() != want {
			t.Errorf("Source sent %v: %d holds taken, %d released; want %d and %d", withSource, taken.Load(), released.Load(), want, want)
		}
	}
}
