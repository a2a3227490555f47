// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"context"
	"flag"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/v1json"
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata/*.txtar")

// TestGolden runs each testdata/*.txtar case. A case holds
//
//	options           adapter options, the operation (op: infer, ready or
//	                  metadata), the request's model version
//	                  (request-version) and raw: a content type that sends
//	                  request.json's bytes as a raw payload; "key: value" lines
//	metadata          optional: a metadata answer that primes the signature
//	                  cache with one ModelMetadata call before the operation
//	request.json      the canonical request (OIP JSON), for infer
//	backend-request   expected: the one upstream request, "METHOD URI",
//	                  then Content-Type, a blank line and the body
//	backend-response  the backend's answer: status line, headers, blank
//	                  line, body
//	response.json     expected: the canonical result (OIP response or
//	                  metadata JSON, or "ready"), or
//	error             expected: the error's kind, status, message and text
//
// With -update the expected sections are rewritten from what the adapter
// did; review the diff before committing.
func TestGolden(t *testing.T) {
	t.Parallel()
	g := adaptertest.Golden{Update: *update, Sections: []string{"backend-request", "response.json", "error"}}
	adaptertest.RunGolden(t, g, func(t *testing.T, c *adaptertest.GoldenCase) map[string]string {
		b := adaptertest.NewScriptedBackend(t, c.Section("backend-response"), "Content-Type")
		a := goldenAdapter(t, c.Options, b.URL)
		if md := c.Section("metadata"); md != nil {
			b.Prime(md)
			if _, err := a.ModelMetadata(context.Background(), adapters.ModelRef{}); err != nil {
				t.Fatalf("priming metadata: %v", err)
			}
			b.Record()
		}
		ref := adapters.ModelRef{Name: "route-name", Version: c.Options["request-version"]}
		out, err := c.Do(t, a, ref, c.Request(t))
		got := adaptertest.GoldenSections(b.Requests(), out, err)
		got["backend-request"] = b.Requests() // an empty section asserts that none was made
		return got
	})
}

func goldenAdapter(t *testing.T, opts map[string]string, base *url.URL) *Adapter {
	t.Helper()
	o := Options{Backend: "tfs", BaseURL: base, Client: &http.Client{}, Model: adapters.ModelRef{Name: "m"}}
	for k, v := range opts {
		switch k {
		case "model":
			o.Model.Name = v
		case "version":
			o.Model.Version = v
		case "label":
			o.Label = v
		case "signature":
			o.SignatureName = v
		case "outputs":
			o.OutputNames = strings.Split(v, ",")
		case "format":
			f, err := v1json.ParseFormat(v)
			if err != nil {
				t.Fatal(err)
			}
			o.Format = f
		case "op", "request-version", "raw":
		default:
			t.Fatalf("unknown option %q", k)
		}
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// section is adaptertest.Section, for the fuzz seeds.
func section(ar *txtar.Archive, name string) []byte { return adaptertest.Section(ar, name) }
