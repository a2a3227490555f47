// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkClientDo measures the per-request overhead of the resilient
// client: one small POST, answered 200 by an in-memory transport.
func BenchmarkClientDo(b *testing.B) {
	body := []byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}`)
	rt := rtFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}
		return &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, Request: req,
		}, nil
	})
	be, err := NewClient(ClientOptions{Backend: "bench", Policy: DefaultPolicy(), Transport: rt})
	if err != nil {
		b.Fatal(err)
	}
	c := be.Client()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, testURL, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
