// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/v1json"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	base := mustURL(t, "http://127.0.0.1:8501")
	ok := Options{BaseURL: base, Client: &http.Client{}, Model: adapters.ModelRef{Name: "m"}}
	tests := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no base URL", func(o *Options) { o.BaseURL = nil }, "Options.BaseURL is required"},
		{"relative base URL", func(o *Options) { o.BaseURL = mustURL(t, "/tfs") }, "must be an absolute http(s) URL"},
		{"no client", func(o *Options) { o.Client = nil }, "Options.Client is required"},
		{"no model", func(o *Options) { o.Model.Name = "" }, "Options.Model.Name is required"},
		{"slash in name", func(o *Options) { o.Model.Name = "a/b" }, "Options.Model.Name"},
		{"colon in label", func(o *Options) { o.Label = "a:b" }, "Options.Label"},
		{"version and label", func(o *Options) { o.Model.Version, o.Label = "1", "stable" }, "mutually exclusive"},
		{"version not a number", func(o *Options) { o.Model.Version = "v1" }, "Options.Model.Version"},
		{"unknown format", func(o *Options) { o.Format = 9 }, "Options.Format"},
		{"empty output name", func(o *Options) { o.OutputNames = []string{""} }, "Options.OutputNames[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.edit(&o)
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Errorf("got %v for valid options, want nil", err)
	}
}

// countingServer serves h and counts requests per path.
type countingServer struct {
	mu    sync.Mutex
	hits  map[string]int
	inner http.Handler
}

func (c *countingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.hits[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	c.inner.ServeHTTP(w, r)
}

func (c *countingServer) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[key]
}

func newTestAdapter(t *testing.T, h http.Handler, model string) (*Adapter, *countingServer) {
	t.Helper()
	cs := &countingServer{hits: map[string]int{}, inner: h}
	srv := httptest.NewServer(cs)
	t.Cleanup(srv.Close)
	a, err := New(Options{Backend: "tfs", BaseURL: mustURL(t, srv.URL), Client: srv.Client(), Model: adapters.ModelRef{Name: model}})
	if err != nil {
		t.Fatal(err)
	}
	return a, cs
}

func xInput(vals ...float32) adapters.Tensor {
	return adapters.Tensor{Name: "x", DType: adapters.FP32, Shape: []int64{int64(len(vals)), 1},
		Data: adapters.TensorData{FP32: vals}}
}

func TestInferAgainstFakeBackend(t *testing.T) {
	t.Parallel()
	for _, format := range []v1json.Format{v1json.Row, v1json.Columnar} {
		t.Run(format.String(), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(newFakeTFS())
			t.Cleanup(srv.Close)
			a, err := New(Options{BaseURL: mustURL(t, srv.URL), Client: srv.Client(),
				Model: adapters.ModelRef{Name: "half_plus_two"}, Format: format})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := a.ModelMetadata(ctx, adapters.ModelRef{}); err != nil {
				t.Fatal(err)
			}
			resp, err := a.Infer(ctx, &adapters.Request{ID: "7", Inputs: []adapters.Tensor{xInput(1, 2, 3)}})
			if err != nil {
				t.Fatal(err)
			}
			want := &adapters.Response{ID: "7", Model: adapters.ModelRef{Name: "half_plus_two"}, Outputs: []adapters.Tensor{{
				Name: "y", DType: adapters.FP32, Shape: []int64{3, 1}, Data: adapters.TensorData{FP32: []float32{2.5, 3, 3.5}},
			}}}
			if diff := cmp.Diff(want, resp); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMetadataRefreshesTheCachedSignature(t *testing.T) {
	t.Parallel()
	fake := newFakeTFS()
	a, cs := newTestAdapter(t, fake, "half_plus_two")
	ctx := context.Background()
	md, err := a.ModelMetadata(ctx, adapters.ModelRef{})
	if err != nil {
		t.Fatal(err)
	}
	md.Inputs[0].Name = "changed" // callers own what they get
	req := &adapters.Request{Inputs: []adapters.Tensor{xInput(1)}}
	if _, err := a.Infer(ctx, req); err != nil {
		t.Fatalf("got %v, want the cached signature unaffected by the caller's change", err)
	}
	// A rollout renames the input: the next metadata call refreshes the
	// cache, and requests are checked against the new signature.
	fake.mu.Lock()
	sig := *fake.models["half_plus_two"].sigs[DefaultSignatureName]
	sig.Inputs = []adapters.TensorMetadata{{Name: "x2", DType: adapters.FP32, Shape: []int64{-1, 1}}}
	fake.models["half_plus_two"].sigs[DefaultSignatureName] = &sig
	fake.mu.Unlock()
	if _, err := a.ModelMetadata(ctx, adapters.ModelRef{}); err != nil {
		t.Fatal(err)
	}
	_, err = a.Infer(ctx, req)
	if !errors.Is(err, adapters.ErrInvalidInput) || !strings.Contains(err.Error(), `input "x" is not in signature`) {
		t.Errorf("got %v, want ErrInvalidInput naming input x", err)
	}
	if got := cs.count("GET /v1/models/half_plus_two/metadata"); got != 2 {
		t.Errorf("got %d metadata requests, want 2 (one per call)", got)
	}
	if got := cs.count("POST /v1/models/half_plus_two:predict"); got != 1 {
		t.Errorf("got %d predict requests, want 1 (the refused one never left)", got)
	}
}

func TestMetadataFailureKeepsTheCachedSignature(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fake := newFakeTFS()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() && strings.HasSuffix(r.URL.Path, "/metadata") {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error": "warming up"}`))
			return
		}
		fake.ServeHTTP(w, r)
	})
	a, _ := newTestAdapter(t, h, "half_plus_two")
	ctx := context.Background()
	if _, err := a.ModelMetadata(ctx, adapters.ModelRef{}); err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	if _, err := a.ModelMetadata(ctx, adapters.ModelRef{}); !errors.Is(err, adapters.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	resp, err := a.Infer(ctx, &adapters.Request{Inputs: []adapters.Tensor{xInput(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Outputs[0]; got.Name != "y" || got.DType != adapters.FP32 {
		t.Errorf("got output %s %s, want y FP32 from the signature cached before the failure", got.Name, got.DType)
	}
}

// TestPredict404DependsOnWhatWasSeen covers PROTOCOLS.md §1.4: TF Serving
// answers 404 both for unknown models and for ones not loaded (yet).
func TestPredict404DependsOnWhatWasSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	req := &adapters.Request{Inputs: []adapters.Tensor{xInput(1)}}

	t.Run("unknown model", func(t *testing.T) {
		t.Parallel()
		a, _ := newTestAdapter(t, newFakeTFS(), "nope")
		if _, err := a.Infer(ctx, req); !errors.Is(err, adapters.ErrModelNotFound) {
			t.Errorf("got %v, want ErrModelNotFound", err)
		}
		if err := a.ModelReady(ctx, adapters.ModelRef{}); !errors.Is(err, adapters.ErrModelNotFound) {
			t.Errorf("ready: got %v, want ErrModelNotFound", err)
		}
	})
	t.Run("loading model seen by ready", func(t *testing.T) {
		t.Parallel()
		a, _ := newTestAdapter(t, newFakeTFS(), "loading")
		if _, err := a.Infer(ctx, req); !errors.Is(err, adapters.ErrModelNotFound) {
			t.Errorf("before ready: got %v, want ErrModelNotFound", err)
		}
		if err := a.ModelReady(ctx, adapters.ModelRef{}); !errors.Is(err, adapters.ErrUnavailable) {
			t.Errorf("ready: got %v, want ErrUnavailable", err)
		}
		if _, err := a.Infer(ctx, req); !errors.Is(err, adapters.ErrUnavailable) {
			t.Errorf("after ready: got %v, want ErrUnavailable", err)
		}
	})
	t.Run("model reloading after it served", func(t *testing.T) {
		t.Parallel()
		fake := newFakeTFS()
		a, _ := newTestAdapter(t, fake, "half_plus_two")
		if _, err := a.Infer(ctx, req); err != nil {
			t.Fatal(err)
		}
		fake.setState("half_plus_two", 123, "UNLOADING")
		if _, err := a.Infer(ctx, req); !errors.Is(err, adapters.ErrUnavailable) {
			t.Errorf("got %v, want ErrUnavailable", err)
		}
		if err := a.ModelReady(ctx, adapters.ModelRef{}); !errors.Is(err, adapters.ErrUnavailable) {
			t.Errorf("ready: got %v, want ErrUnavailable", err)
		}
	})
}

func TestVersionsHaveTheirOwnSignature(t *testing.T) {
	t.Parallel()
	a, _ := newTestAdapter(t, newFakeTFS(), "half_plus_two")
	ctx := context.Background()
	if _, err := a.ModelMetadata(ctx, adapters.ModelRef{Name: "ignored", Version: "123"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		ref      adapters.ModelRef
		wantName string
	}{{adapters.ModelRef{Version: "123"}, "y"}, {adapters.ModelRef{}, "output-0"}} {
		resp, err := a.Infer(ctx, &adapters.Request{Model: tt.ref, Inputs: []adapters.Tensor{xInput(1)}})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Outputs[0].Name; got != tt.wantName {
			t.Errorf("Infer(%v): got output %q, want %q", tt.ref, got, tt.wantName)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	a, _ := newTestAdapter(t, newFakeTFS(), "half_plus_two")
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%4 == 0 {
				if _, err := a.ModelMetadata(ctx, adapters.ModelRef{}); err != nil {
					errs <- err
				}
				return
			}
			resp, err := a.Infer(ctx, &adapters.Request{Inputs: []adapters.Tensor{xInput(float32(i))}})
			if err != nil {
				errs <- err
				return
			}
			if got, want := resp.Outputs[0].Data.Len(), 1; got != want {
				errs <- errors.New("wrong output length")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestServableStateIsBounded(t *testing.T) {
	t.Parallel()
	var s servables
	for i := range maxServables + 10 {
		s.markSeen(string(rune('a' + i)))
	}
	if got := len(s.m); got != maxServables {
		t.Errorf("got %d entries, want %d", got, maxServables)
	}
	if !s.get("a").seen {
		t.Errorf("got seen=false for an early entry, want true")
	}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      adapters.Tensor
		to      adapters.DType
		want    adapters.TensorData
		wantErr string
	}{
		{"fp64 to fp32", adapters.Tensor{DType: adapters.FP64, Data: adapters.TensorData{FP64: []float64{0.5}}}, adapters.FP32,
			adapters.TensorData{FP32: []float32{0.5}}, ""},
		{"int64 exponent form to fp32", adapters.Tensor{DType: adapters.Int64, Data: adapters.TensorData{Int64: []int64{1000000}}}, adapters.FP32,
			adapters.TensorData{FP32: []float32{1e6}}, ""},
		{"int64 to int8", adapters.Tensor{DType: adapters.Int64, Data: adapters.TensorData{Int64: []int64{-128, 127}}}, adapters.Int8,
			adapters.TensorData{Int32: []int32{-128, 127}}, ""},
		{"int64 to uint8 out of range", adapters.Tensor{DType: adapters.Int64, Data: adapters.TensorData{Int64: []int64{256}}}, adapters.Uint8,
			adapters.TensorData{}, "out of range for UINT8"},
		{"int64 to uint64", adapters.Tensor{DType: adapters.Int64, Data: adapters.TensorData{Int64: []int64{7}}}, adapters.Uint64,
			adapters.TensorData{Uint64: []uint64{7}}, ""},
		{"negative to uint64", adapters.Tensor{DType: adapters.Int64, Data: adapters.TensorData{Int64: []int64{-7}}}, adapters.Uint64,
			adapters.TensorData{}, "out of range for UINT64"},
		{"fp64 to int32", adapters.Tensor{DType: adapters.FP64, Data: adapters.TensorData{FP64: []float64{1.5}}}, adapters.Int32,
			adapters.TensorData{}, "got FP64 values"},
		{"bytes to bool", adapters.Tensor{DType: adapters.Bytes, Data: adapters.TensorData{Bytes: [][]byte{{1}}}}, adapters.Bool,
			adapters.TensorData{}, "got BYTES values"},
		{"empty to int16", adapters.Tensor{DType: adapters.FP64, Data: adapters.TensorData{FP64: []float64{}}}, adapters.Int16,
			adapters.TensorData{Int32: []int32{}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tensor := tt.in
			err := convert(&tensor, tt.to)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tensor.DType != tt.to {
				t.Errorf("got datatype %s, want %s", tensor.DType, tt.to)
			}
			if diff := cmp.Diff(tt.want, tensor.Data); diff != "" {
				t.Errorf("data mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBytesTravelIntact checks what the golden files cannot show (OIP JSON
// renders bytes as text): binary inputs go as {"b64"} and _bytes outputs
// come back as the exact bytes.
func TestBytesTravelIntact(t *testing.T) {
	t.Parallel()
	a, err := New(Options{BaseURL: mustURL(t, "http://h"), Client: &http.Client{}, Model: adapters.ModelRef{Name: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	in := adapters.Tensor{Name: "img", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{{0, 1, 2, 0xff}}}}
	body, err := a.encodeRequest(&adapters.Request{Inputs: []adapters.Tensor{in}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"inputs":[{"b64":"AAEC/w=="}]}`; string(body) != want {
		t.Errorf("got body %s, want %s", body, want)
	}
	outs, err := a.decodeResponse([]byte(`{"outputs": {"thumb_bytes": [{"b64": "AAEC/w=="}], "label": ["cat"]}}`), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []adapters.Tensor{
		{Name: "thumb_bytes", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{{0, 1, 2, 0xff}}}},
		{Name: "label", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{[]byte("cat")}}},
	}
	if diff := cmp.Diff(want, outs); diff != "" {
		t.Errorf("outputs mismatch (-want +got):\n%s", diff)
	}
}

func TestDuplicateInputNamesAreRefused(t *testing.T) {
	t.Parallel()
	a, _ := newTestAdapter(t, newFakeTFS(), "half_plus_two")
	_, err := a.Infer(context.Background(), &adapters.Request{Inputs: []adapters.Tensor{xInput(1), xInput(2)}})
	if !errors.Is(err, adapters.ErrInvalidInput) || !strings.Contains(err.Error(), `input "x" appears twice`) {
		t.Errorf("got %v, want ErrInvalidInput naming the duplicate", err)
	}
}
