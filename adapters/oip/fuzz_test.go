// SPDX-License-Identifier: Apache-2.0

package oip_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/oip"
	"golang.org/x/tools/txtar"
)

// cannedTransport answers every request with one status and body.
type cannedTransport struct {
	status int
	body   []byte
}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: c.status, Header: http.Header{"Retry-After": {"3"}},
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)), Request: r}, nil
}

// fuzzKinds are the kinds an adapter error may carry.
var fuzzKinds = []error{
	adapters.ErrInvalidInput, adapters.ErrModelNotFound, adapters.ErrUnavailable, adapters.ErrRateLimited,
	adapters.ErrModelFailed, adapters.ErrBadUpstream, errors.ErrUnsupported,
}

// FuzzUpstreamAnswer feeds arbitrary upstream answers (untrusted bytes) to
// every operation: no panic, and either a valid result or an
// *adapters.Error with exactly one kind, the upstream status and a bounded
// message. Seeds: the golden files' upstream responses.
func FuzzUpstreamAnswer(f *testing.F) {
	seedFromGolden(f)
	f.Add(200, []byte(`{"model_name":"m","outputs":[{"name":"y","shape":[1],"datatype":"FP32","data":[1]}]}`))
	f.Add(200, []byte(`{"outputs":[{"name":"y","shape":[9223372036854775807,2],"datatype":"BOOL","data":[]}]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		base, _ := url.Parse("http://backend")
		a, err := oip.New(oip.Options{BaseURL: base, Client: &http.Client{Transport: cannedTransport{status, body}},
			Model: adapters.ModelRef{Name: "m"}, MaxResponseBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		req := &adapters.Request{Inputs: []adapters.Tensor{{Name: "x", DType: adapters.FP32, Shape: []int64{1},
			Data: adapters.TensorData{FP32: []float32{1}}}}}
		resp, err := a.Infer(ctx, req)
		checkFuzzResult(t, status, err)
		if err == nil {
			for i := range resp.Outputs {
				if verr := resp.Outputs[i].Validate(); verr != nil {
					t.Errorf("Infer accepted an invalid output: %v", verr)
				}
			}
		}
		_, err = a.ModelMetadata(ctx, adapters.ModelRef{})
		checkFuzzResult(t, status, err)
		checkFuzzResult(t, status, a.ModelReady(ctx, adapters.ModelRef{}))
	})
}

func checkFuzzResult(t *testing.T, status int, err error) {
	t.Helper()
	if err == nil {
		return
	}
	n := 0
	for _, k := range fuzzKinds {
		if errors.Is(err, k) {
			n++
		}
	}
	ae, ok := errors.AsType[*adapters.Error](err)
	if n != 1 || !ok {
		t.Fatalf("error %q (%T) carries %d kinds, want an *adapters.Error with exactly one", err, err, n)
	}
	if ae.Status != status {
		t.Errorf("error status = %d, want %d", ae.Status, status)
	}
	if len(ae.Message) > adapters.MaxMessageLen+len("…") {
		t.Errorf("error message is %d bytes, want at most %d", len(ae.Message), adapters.MaxMessageLen)
	}
}

func seedFromGolden(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name != "upstream-response" {
				continue
			}
			head, body, _ := bytes.Cut(af.Data, []byte("\n\n"))
			var status int
			if _, err := fmt.Sscan(string(head), &status); err != nil {
				f.Fatalf("%s: upstream-response status: %v", file, err)
			}
			f.Add(status, body)
		}
	}
}
