// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/modelgate/modelgate/adapters"
)

// FuzzDecodeUpstream feeds arbitrary bytes to every decoder of BentoML
// answers: the API's answer under each media type, /schema.json and the
// error bodies. None may panic, decoded outputs must be valid tensors, raw
// answers must be the body, and a parsed schema's metadata must be
// well formed. Seeds are the golden files' backend answers and schemas.
func FuzzDecodeUpstream(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if data := section(ar, "backend-response"); data != nil {
			_, body, _ := bytes.Cut(data, []byte("\n\n"))
			f.Add(body)
		}
		if data := section(ar, "schema.json"); data != nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"a":[null,[null]],"b":[[1,null],[null,2.5]]}`))
	a := &Adapter{api: "predict", route: "/predict", params: map[string]string{"x": "instances"},
		tensors: map[string]string{"instances": "x"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ctype := range []string{"", "application/json", "text/plain; charset=utf-8", "image/png"} {
			resp, err := decodeAnswer(data, ctype, []string{"y"})
			if err != nil {
				continue
			}
			for i := range resp.Outputs {
				if err := resp.Outputs[i].Validate(); err != nil {
					t.Fatalf("decoded an invalid tensor from %q: %v", data, err)
				}
			}
			if resp.Raw != nil && !bytes.Equal(resp.Raw.Data, data) {
				t.Fatalf("raw answer %q, want the body %q", resp.Raw.Data, data)
			}
		}
		if s, err := parseSchema(data, "/predict", "predict"); err == nil {
			md := a.metadata(s)
			for _, m := range append(md.Inputs, md.Outputs...) {
				if m.Name == "" || m.DType == adapters.Invalid {
					t.Fatalf("schema %q gave bad metadata %+v", data, m)
				}
			}
		}
		for _, status := range []int{400, 404, 429, 500, 503, 504} {
			if classify(status, parseErrorBody(data)) == nil {
				t.Fatalf("classify(%d, %q) has no kind", status, data)
			}
		}
	})
}
