// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzDecodeUpstream feeds arbitrary bytes to every decoder of TorchServe
// answers: the free-form answer (with and without a Content-Type), the
// instances envelope's {"predictions": …}, the management API's describe
// array, and the error classification with Retryable and Fault. None may
// panic, decoded outputs must be valid tensors, and Retryable and Fault must
// leave the body whole. Seeds are the golden files' backend answers.
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
	}
	f.Add([]byte("[NaN, -Infinity, 1e400, -0.0, 9223372036854775808]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, a := range []*Adapter{{envelope: EnvelopeJSON}, {envelope: EnvelopeInstances, outputNames: []string{"y"}}} {
			for _, ctype := range []string{"", "application/json", "image/png"} {
				resp, err := a.decode(data, ctype, false)
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
		}
		_, _, _ = readyWorkers(data)
		for _, status := range []int{400, 404, 500, 503, 507} {
			c := classify(status, data, "Options.Token")
			if c.kind == nil {
				t.Fatalf("classify(%d, %q) has no kind", status, data)
			}
			resp := &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(string(data)))}
			Retryable(resp)
			Fault(resp)
			if got, _ := io.ReadAll(resp.Body); !bytes.Equal(got, data) {
				t.Fatalf("after Retryable and Fault the body reads %q, want %q", got, data)
			}
		}
	})
}
