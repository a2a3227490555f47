// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// FuzzDecodeUpstream feeds arbitrary bytes to every decoder of upstream
// answers: predict (both formats, with and without a signature), metadata
// and model status. None may panic, and decoded outputs must be valid
// tensors. Seeds are the golden files' backend answers.
func FuzzDecodeUpstream(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range []string{"backend-response", "metadata"} {
			if data := section(ar, name); data != nil {
				if _, body, ok := bytes.Cut(data, []byte("\n\n")); ok {
					f.Add(body)
				} else {
					f.Add(data)
				}
			}
		}
	}
	sig := &signature{
		name:    DefaultSignatureName,
		inputs:  []adapters.TensorMetadata{{Name: "x", DType: adapters.FP32, Shape: []int64{-1, 1}}},
		outputs: []adapters.TensorMetadata{{Name: "y", DType: adapters.Int8, Shape: []int64{-1}}, {Name: "z", DType: adapters.FP32}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []v1json.Format{v1json.Row, v1json.Columnar} {
			a := &Adapter{format: format, outNames: []string{"out"}}
			for _, s := range []*signature{nil, sig} {
				outs, err := a.decodeResponse(data, s, nil)
				if err != nil {
					continue
				}
				for i := range outs {
					if err := outs[i].Validate(); err != nil {
						t.Fatalf("decoded an invalid tensor from %q: %v", data, err)
					}
				}
			}
		}
		if md, s, err := parseMetadata(data, DefaultSignatureName); err == nil {
			if len(md.Inputs) != len(s.inputs) || len(md.Outputs) != len(s.outputs) {
				t.Fatalf("metadata and signature disagree for %q", data)
			}
		}
		_, _, _ = readiness(data)
	})
}
