// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzDecodeUpstream feeds arbitrary bytes to the decoders of upstream
// data: /invocations answers (with and without an MLmodel signature,
// requested outputs or not), error bodies and MLmodel files. None may
// panic; decoded outputs must be valid tensors, and a Raw answer must be
// the body itself. Seeds are the golden files' backend answers and the
// testdata MLmodel files.
func FuzzDecodeUpstream(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if data := section(ar, "backend-response"); data != nil {
			if _, body, ok := bytes.Cut(data, []byte("\n\n")); ok {
				f.Add(body)
			}
		}
	}
	models, _ := filepath.Glob("testdata/*.MLmodel")
	var adapters []*Adapter
	for _, path := range append(models, "") {
		a := &Adapter{outNames: []string{"label"}}
		if path != "" {
			m, err := readMLmodel(path)
			if err != nil {
				f.Fatal(err)
			}
			a.mlmodel = m
			a.outNames = nil
		}
		adapters = append(adapters, a)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, a := range adapters {
			resp, err := a.decodeResponse(data, nil)
			if err != nil {
				continue
			}
			if resp.Raw != nil && !bytes.Equal(resp.Raw.Data, data) {
				t.Fatalf("raw answer %q differs from the body %q", resp.Raw.Data, data)
			}
			for i := range resp.Outputs {
				if err := resp.Outputs[i].Validate(); err != nil {
					t.Fatalf("decoded an invalid tensor from %q: %v", data, err)
				}
			}
		}
		_ = classify(400, textMessage(data))
		_, _ = parseMLmodel(data)
	})
}
