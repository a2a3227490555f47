// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata/*.txtar")

// TestGolden runs each testdata/*.txtar case against a scripted TorchServe
// (PROTOCOLS.md §2: the answers are TorchServe's own, Content-Type absent
// where TorchServe sends none, Connection: close on every error). A case
// holds
//
//	options           "key: value" lines: op (infer, ready, metadata),
//	                  version, outputs (comma-separated), envelope, token,
//	                  management (the management address is the fake too),
//	                  mgmt-token, raw (a content type: request.json's bytes
//	                  are sent as a raw payload)
//	request.json      the canonical request (OIP JSON), for infer
//	backend-response  the backend's answer: status, headers, blank line,
//	                  body (the section's final newline is not part of it)
//	backend-request   expected: the one upstream request, "METHOD URI",
//	                  Authorization and Content-Type, a blank line and the
//	                  body; absent when no request is expected
//	response.json     expected: the canonical result (OIP response JSON,
//	                  "raw: <content type>" and the body, or "ready"), or
//	error             expected: the error's kind, op, status, message, text
//	retry             expected for error answers: what Retryable and Fault
//	                  make of the backend response
//
// With -update the expected sections are rewritten from what the adapter
// did; review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	g := adaptertest.Golden{Update: *update, Sections: []string{"backend-request", "response.json", "error", "retry"}}
	adaptertest.RunGolden(t, g, func(t *testing.T, c *adaptertest.GoldenCase) map[string]string {
		script := c.Section("backend-response")
		b := adaptertest.NewScriptedBackend(t, script, "Authorization", "Content-Type")
		a := goldenAdapter(t, c.Options, b.URL)
		req := c.Request(t)
		if req != nil && req.Raw != nil {
			req.ID = "raw-1"
		}
		out, err := c.Do(t, a, adapters.ModelRef{Name: "client-chosen", Version: "9"}, req)
		got := adaptertest.GoldenSections(b.Requests(), out, err)
		if resp := adaptertest.ScriptResponse(t, script); resp.StatusCode >= 400 {
			got["retry"] = describeRetry(t, resp, script)
		}
		return got
	})
}

func goldenAdapter(t *testing.T, opts map[string]string, base *url.URL) *Adapter {
	t.Helper()
	o := Options{Backend: "ts", BaseURL: base, Client: &http.Client{}, Model: adapters.ModelRef{Name: "mnist"}}
	for k, v := range opts {
		switch k {
		case "model":
			o.Model.Name = v
		case "version":
			o.Model.Version = v
		case "outputs":
			o.OutputNames = strings.Split(v, ",")
		case "envelope":
			o.Envelope = Envelope(v)
		case "token":
			o.Token = v
		case "management":
			o.ManagementURL = base
		case "mgmt-token":
			o.ManagementToken = v
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

// describeRetry renders what Retryable and Fault say of resp, the scripted
// answer, and checks that they leave the body whole.
func describeRetry(t *testing.T, resp *http.Response, script []byte) string {
	t.Helper()
	_, want, _ := bytes.Cut(script, []byte("\n\n"))
	want = bytes.TrimSuffix(want, []byte("\n"))
	retry, ok := Retryable(resp)
	fault, fok := Fault(resp)
	body, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(body, want) {
		t.Errorf("after Retryable and Fault the body reads %q, %v; want %q", body, err, want)
	}
	return fmt.Sprintf("retryable: retry=%v ok=%v\nfault: fault=%v ok=%v\n", retry, ok, fault, fok)
}

// section is adaptertest.Section, for the fuzz seeds.
func section(ar *txtar.Archive, name string) []byte { return adaptertest.Section(ar, name) }
