// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"math/rand/v2"
	"testing"
)

// benchFP32 returns a request with one FP32 tensor of n pseudo-random
// values in [-1, 1), which print with 8-10 significant digits like real
// model inputs, and its encoded body.
func benchFP32(b *testing.B, n int) (*Request, []byte) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]float32, n)
	for i := range data {
		data[i] = rng.Float32()*2 - 1
	}
	r := &Request{ID: "bench", Inputs: []Tensor{{
		Name: "input", DType: FP32, Shape: []int64{int64(n)}, Data: TensorData{FP32: data},
	}}}
	body, err := AppendRequest(nil, r)
	if err != nil {
		b.Fatal(err)
	}
	return r, body
}

var benchSizes = []struct {
	name string
	n    int
}{{"fp32x4", 4}, {"fp32x1M", 1 << 20}}

func BenchmarkDecodeRequest(b *testing.B) { benchDecodeRequest(b, DecodeRequest) }

// BenchmarkScanRequest is DecodeRequest when the data is only checked (a
// route whose backends forward the body as it is).
func BenchmarkScanRequest(b *testing.B) { benchDecodeRequest(b, ScanRequest) }

func benchDecodeRequest(b *testing.B, decode func([]byte) (*Request, error)) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			_, body := benchFP32(b, s.n)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := decode(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendResponse(b *testing.B) {
	for _, s := range benchSizes {
		req, body := benchFP32(b, s.n)
		resp := &Response{ID: req.ID, Model: ModelRef{Name: "m"}, Outputs: req.Inputs}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := AppendResponse(nil, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
		// With a reused buffer, as a server with a buffer pool runs it.
		b.Run(s.name+"-reuse", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			var buf []byte
			for b.Loop() {
				var err error
				if buf, err = AppendResponse(buf[:0], resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRoundTrip is the gateway's codec work for one OIP call: decode and
// validate the request, then encode its tensors as the response. Bytes/s is
// measured against the request body.
func BenchmarkRoundTrip(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			_, body := benchFP32(b, s.n)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				req, err := DecodeRequest(body)
				if err != nil {
					b.Fatal(err)
				}
				if err := req.Inputs[0].Validate(); err != nil {
					b.Fatal(err)
				}
				resp := &Response{ID: req.ID, Model: ModelRef{Name: "m"}, Outputs: req.Inputs}
				if _, err := AppendResponse(nil, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
