// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

type benchRT struct{ body []byte }

func (t benchRT) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, ContentLength: int64(len(t.body)),
		Body: io.NopCloser(bytes.NewReader(t.body)), Request: req,
	}, nil
}

// BenchmarkCallDo measures Call.Do on a small 200 answer from an in-memory
// transport.
func BenchmarkCallDo(b *testing.B) {
	client := &http.Client{Transport: benchRT{body: []byte(`{"outputs":[{"name":"y","shape":[1],"datatype":"FP32","data":[1]}]}`)}}
	call := Call{Op: "infer", Backend: "bench", Model: "iris"}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://backend.test/v2/models/iris/infer", http.NoBody)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := call.Do(client, req, 0); err != nil {
			b.Fatal(err)
		}
	}
}
