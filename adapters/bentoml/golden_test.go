// SPDX-License-Identifier: Apache-2.0

package bentoml

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
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata/*.txtar")

// TestGolden runs each testdata/*.txtar case against a scripted BentoML
// service (PROTOCOLS.md §4: the answers are BentoML's own, including
// Starlette's plain-text 404 and 405). A case holds
//
//	options           "key: value" lines: op (infer, ready, metadata),
//	                  model, outputs (comma-separated), api, params
//	                  (tensor=param,…), raw (a content type: request.json's
//	                  bytes are sent as a raw payload)
//	schema.json       optional: a GET /schema.json answer that primes the
//	                  schema cache with one ModelMetadata call before the
//	                  operation
//	request.json      the canonical request (OIP JSON), for infer
//	backend-response  the backend's answer: status, headers, blank line,
//	                  body (the section's final newline is not part of it)
//	backend-request   expected: the one upstream request, "METHOD URI",
//	                  Authorization and Content-Type, a blank line and the
//	                  body; absent when no request is expected
//	response.json     expected: the canonical result (OIP response JSON,
//	                  "raw: <content type>" and the body, or "ready"), or
//	error             expected: the error's kind, op, status, message, text
//
// With -update the expected sections are rewritten from what the adapter
// did; review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	g := adaptertest.Golden{Update: *update, Sections: []string{"backend-request", "response.json", "error"}}
	adaptertest.RunGolden(t, g, func(t *testing.T, c *adaptertest.GoldenCase) map[string]string {
		script := c.Section("backend-response")
		b := adaptertest.NewScriptedBackend(t, script, "Authorization", "Content-Type")
		a := goldenAdapter(t, c.Options, b.URL)
		if schema := c.Section("schema.json"); schema != nil {
			b.Prime(schema)
			if _, err := a.ModelMetadata(context.Background(), adapters.ModelRef{}); err != nil {
				t.Fatalf("priming the schema: %v", err)
			}
			b.Record()
		}
		req := c.Request(t)
		if req != nil && req.Raw != nil {
			req.ID = "raw-1"
		}
		out, err := c.Do(t, a, adapters.ModelRef{Name: "client-chosen", Version: "9"}, req)
		got := adaptertest.GoldenSections(b.Requests(), out, err)
		return got
	})
}

func goldenAdapter(t *testing.T, opts map[string]string, base *url.URL) *Adapter {
	t.Helper()
	o := Options{Backend: "bento", BaseURL: base, Client: &http.Client{}, Model: adapters.ModelRef{Name: "iris"}}
	for k, v := range opts {
		switch k {
		case "model":
			o.Model.Name = v
		case "outputs":
			o.OutputNames = strings.Split(v, ",")
		case "api":
			o.API = v
		case "params":
			o.Params = map[string]string{}
			for _, kv := range strings.Split(v, ",") {
				tensor, param, _ := strings.Cut(kv, "=")
				o.Params[tensor] = param
			}
		case "op", "raw":
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
