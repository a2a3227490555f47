// SPDX-License-Identifier: Apache-2.0

package torchserve

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
	base, _ := url.Parse("http://127.0.0.1:8080")
	ftp, _ := url.Parse("ftp://h/")
	valid := func() Options {
		return Options{BaseURL: base, Client: &http.Client{}, Model: adapters.ModelRef{Name: "m"}}
	}
	tests := []struct {
		name    string
		change  func(o *Options)
		wantErr string
	}{
		{"no base URL", func(o *Options) { o.BaseURL = nil }, "Options.BaseURL is required"},
		{"relative base URL", func(o *Options) { o.BaseURL = &url.URL{Path: "x"} }, "Options.BaseURL"},
		{"no client", func(o *Options) { o.Client = nil }, "Options.Client is required"},
		{"no model", func(o *Options) { o.Model.Name = "" }, "Options.Model.Name is required"},
		{"slash in model", func(o *Options) { o.Model.Name = "a/b" }, "Options.Model.Name"},
		{"dot-dot version", func(o *Options) { o.Model.Version = ".." }, "Options.Model.Version"},
		{"unknown envelope", func(o *Options) { o.Envelope = "kserve" }, "Options.Envelope"},
		{"bad management URL", func(o *Options) { o.ManagementURL = ftp }, "Options.ManagementURL"},
		{"empty output name", func(o *Options) { o.OutputNames = []string{"a", ""} }, "Options.OutputNames[1]"},
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

// TestErrorsCloseConnections checks that TorchServe's Connection: close on
// every error (PROTOCOLS.md §2.4) costs nothing but the connection: calls
// alternating errors and answers through one client all get their own
// answer.
func TestErrorsCloseConnections(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1)%2 == 1 {
			tsError(w, http.StatusServiceUnavailable, "InternalServerException", "Prediction failed")
			return
		}
		w.Header()["Content-Type"] = nil
		_, _ = io.WriteString(w, "[1]")
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	a, err := New(Options{BaseURL: base, Client: client, Model: adapters.ModelRef{Name: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	req := &adapters.Request{Inputs: []adapters.Tensor{{Name: "x", DType: adapters.Int64, Shape: []int64{1},
		Data: adapters.TensorData{Int64: []int64{1}}}}}
	for i := range 6 {
		_, err := a.Infer(context.Background(), req)
		if wantFail := i%2 == 0; wantFail != errors.Is(err, adapters.ErrModelFailed) || (!wantFail && err != nil) {
			t.Errorf("call %d: error = %v, want model failed: %v", i, err, wantFail)
		}
	}
}

// TestRetryableKeepsReadError checks that a body failing while Retryable
// peeks still reports that failure to the adapter after the peeked bytes.
func TestRetryableKeepsReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	resp := &http.Response{StatusCode: http.StatusServiceUnavailable,
		Body: io.NopCloser(io.MultiReader(strings.NewReader(`{"code": 503, "message": "Pred`), errorReader{boom}))}
	if retry, ok := Retryable(resp); !retry || !ok {
		t.Errorf("Retryable(truncated 503) = %v, %v; want true, true (a 503 without a handler marker)", retry, ok)
	}
	got, err := io.ReadAll(resp.Body)
	if string(got) != `{"code": 503, "message": "Pred` || !errors.Is(err, boom) {
		t.Errorf("body reads %q, %v; want the peeked bytes, then %v", got, err, boom)
	}
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

func TestRetryableLeavesOtherStatusesAlone(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 400, 404, 429, 502, 504} {
		body := &trackingBody{Reader: strings.NewReader("{}")}
		resp := &http.Response{StatusCode: status, Body: body}
		if retry, ok := Retryable(resp); retry || ok {
			t.Errorf("Retryable(%d) = %v, %v; want false, false (the default decides)", status, retry, ok)
		}
		if fault, ok := Fault(resp); fault || ok {
			t.Errorf("Fault(%d) = %v, %v; want false, false", status, fault, ok)
		}
		if body.reads != 0 {
			t.Errorf("Retryable/Fault read the body of a %d answer, want untouched", status)
		}
	}
}

type trackingBody struct {
	io.Reader
	reads int
}

func (b *trackingBody) Read(p []byte) (int, error) {
	b.reads++
	return b.Reader.Read(p)
}

func (b *trackingBody) Close() error { return nil }

// TestInferRefusesBeforeSending checks requests that fail on the gateway's
// side: the client's error, and no upstream request.
func TestInferRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	x := func(name string) adapters.Tensor {
		return adapters.Tensor{Name: name, DType: adapters.Int64, Shape: []int64{1}, Data: adapters.TensorData{Int64: []int64{1}}}
	}
	bin := adapters.Tensor{Name: "b", DType: adapters.Bytes, Shape: []int64{1}, Data: adapters.TensorData{Bytes: [][]byte{{0xff, 0xfe}}}}
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
		{"control characters in content type", &adapters.Request{Raw: &adapters.Payload{ContentType: "image/png\r\nX-Evil: 1", Data: []byte("x")}},
			"has control characters"},
	}
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	a, err := New(Options{BaseURL: base, Client: srv.Client(), Model: adapters.ModelRef{Name: "m"}})
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
