// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"math/rand/v2"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

// benchRows returns a [rows, 4] FP32 tensor of pseudo-random values.
func benchRows(rows int) adapters.Tensor {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]float32, rows*4)
	for i := range data {
		data[i] = rng.Float32()*2 - 1
	}
	return adapters.Tensor{Name: "x", DType: adapters.FP32, Shape: []int64{int64(rows), 4}, Data: adapters.TensorData{FP32: data}}
}

var benchCases = []struct {
	name string
	rows int
}{{"fp32x4", 1}, {"fp32x1M", 1 << 18}}

func BenchmarkDecodePredictRequest(b *testing.B) {
	s := sig("x", adapters.FP32)
	for _, c := range benchCases {
		t := benchRows(c.rows)
		for _, format := range []Format{Row, Columnar} {
			body, err := AppendPredictRequest(nil, format, "", []adapters.Tensor{t})
			if err != nil {
				b.Fatal(err)
			}
			for _, withSig := range []bool{true, false} {
				name := c.name + "/" + format.String() + "/signature"
				sg := s
				if !withSig {
					name, sg = c.name+"/"+format.String()+"/inferred", nil
				}
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(len(body)))
					for b.Loop() {
						if _, err := DecodePredictRequest(body, sg); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func BenchmarkAppendPredictResponse(b *testing.B) {
	for _, c := range benchCases {
		outputs := []adapters.Tensor{benchRows(c.rows)}
		for _, format := range []Format{Row, Columnar} {
			b.Run(c.name+"/"+format.String(), func(b *testing.B) {
				body, err := AppendPredictResponse(nil, format, outputs)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					if _, err := AppendPredictResponse(nil, format, outputs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
