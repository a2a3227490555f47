// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/modelgate/modelgate/adapters"
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
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			runGolden(t, file)
		})
	}
}

func runGolden(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	opts := parseOptions(t, section(ar, "options"))
	script := section(ar, "backend-response")
	b := newScriptedBackend(t, script)
	a := goldenAdapter(t, opts, b.url)
	got := map[string]string{}
	out, err := runOp(t, a, opts, section(ar, "request.json"))
	if rec := b.recorded(); rec != "" {
		got["backend-request"] = rec
	}
	if err != nil {
		got["error"] = describeError(err)
	} else {
		got["response.json"] = out
	}
	if status, _ := scriptStatus(script); status >= 400 {
		got["retry"] = describeRetry(t, script)
	}
	compareSections(t, file, ar, got)
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

// runOp performs the case's operation and renders its result.
func runOp(t *testing.T, a *Adapter, opts map[string]string, reqJSON []byte) (string, error) {
	t.Helper()
	ctx := context.Background()
	ref := adapters.ModelRef{Name: "client-chosen", Version: "9"}
	switch opts["op"] {
	case "", "infer":
		req := goldenRequest(t, opts, reqJSON)
		req.Model = ref
		resp, err := a.Infer(ctx, req)
		if err != nil {
			return "", err
		}
		return renderResponse(t, resp), nil
	case "metadata":
		md, err := a.ModelMetadata(ctx, ref)
		if err != nil {
			return "", err
		}
		return string(adapters.AppendMetadata(nil, md)) + "\n", nil
	case "ready":
		if err := a.ModelReady(ctx, ref); err != nil {
			return "", err
		}
		return "ready\n", nil
	}
	t.Fatalf("unknown op %q", opts["op"])
	return "", nil
}

// goldenRequest is request.json decoded, or with option raw, its bytes as a
// raw payload of that content type.
func goldenRequest(t *testing.T, opts map[string]string, data []byte) *adapters.Request {
	t.Helper()
	data = bytes.TrimSuffix(data, []byte("\n"))
	if ct, ok := opts["raw"]; ok {
		return &adapters.Request{ID: "raw-1", Raw: &adapters.Payload{ContentType: ct, Data: data}}
	}
	req, err := adapters.DecodeRequest(data)
	if err != nil {
		t.Fatalf("request.json: %v", err)
	}
	return req
}

// renderResponse renders a response as OIP JSON, or a Raw one as
// "raw: <content type>" and its body.
func renderResponse(t *testing.T, resp *adapters.Response) string {
	t.Helper()
	if resp.Raw != nil {
		return fmt.Sprintf("raw: %s\nid: %s\n\n%s\n", resp.Raw.ContentType, resp.ID, resp.Raw.Data)
	}
	out, err := adapters.AppendResponse(nil, resp)
	if err != nil {
		t.Fatalf("adapter returned an invalid response: %v", err)
	}
	return string(out) + "\n"
}

// describeRetry renders what Retryable and Fault say of the scripted answer,
// and checks that they leave the body whole.
func describeRetry(t *testing.T, script []byte) string {
	t.Helper()
	resp := scriptResponse(t, script)
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

// scriptResponse parses a backend-response section as an *http.Response.
func scriptResponse(t *testing.T, script []byte) *http.Response {
	t.Helper()
	head, body, _ := bytes.Cut(script, []byte("\n\n"))
	status, _ := scriptStatus(script)
	raw := fmt.Sprintf("HTTP/1.1 %d %s\n%s\n\n%s", status, http.StatusText(status),
		strings.Join(strings.Split(string(head), "\n")[1:], "\n"), bytes.TrimSuffix(body, []byte("\n")))
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("backend-response: %v", err)
	}
	return resp
}

func scriptStatus(script []byte) (int, error) {
	line, _, _ := bytes.Cut(script, []byte("\n"))
	return strconv.Atoi(strings.TrimSpace(string(line)))
}

func section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func parseOptions(t *testing.T, data []byte) map[string]string {
	t.Helper()
	opts := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("options: %q is not key: value", line)
		}
		opts[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return opts
}

// describeError renders an adapter error for the error section.
func describeError(err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind: %s\n", kindOf(err))
	var ae *adapters.Error
	if errors.As(err, &ae) {
		fmt.Fprintf(&b, "op: %s\nstatus: %d\n", ae.Op, ae.Status)
		if ae.RetryAfter != 0 {
			fmt.Fprintf(&b, "retry-after: %s\n", ae.RetryAfter)
		}
		fmt.Fprintf(&b, "message: %s\n", ae.Message)
	}
	fmt.Fprintf(&b, "error: %s\n", err)
	return b.String()
}

// kindOf names the error kind err wraps.
func kindOf(err error) string {
	for _, k := range []error{adapters.ErrInvalidInput, adapters.ErrModelNotFound, adapters.ErrUnavailable,
		adapters.ErrRateLimited, adapters.ErrModelFailed, adapters.ErrBadUpstream, errors.ErrUnsupported,
		context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return "none"
}

// expectedSections are the sections a case's run produces.
var expectedSections = []string{"backend-request", "response.json", "error", "retry"}

// compareSections checks (or, with -update, rewrites) the expected sections.
func compareSections(t *testing.T, file string, ar *txtar.Archive, got map[string]string) {
	t.Helper()
	if *update {
		var files []txtar.File
		for _, f := range ar.Files {
			if !slices.Contains(expectedSections, f.Name) {
				files = append(files, f)
			}
		}
		for _, name := range expectedSections {
			if v, ok := got[name]; ok {
				files = append(files, txtar.File{Name: name, Data: []byte(v)})
			}
		}
		ar.Files = files
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, name := range expectedSections {
		want := section(ar, name)
		g, hasGot := got[name]
		if (want != nil) != hasGot {
			t.Errorf("%s: got present=%v, want present=%v; got:\n%s", name, hasGot, want != nil, g)
			continue
		}
		if diff := cmp.Diff(string(want), g); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
}

// scriptedBackend answers every request with the scripted response and
// records the requests it saw.
type scriptedBackend struct {
	url      *url.URL
	response []byte
	mu       sync.Mutex
	requests []string
}

func newScriptedBackend(t *testing.T, response []byte) *scriptedBackend {
	t.Helper()
	b := &scriptedBackend{response: response}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	b.url, _ = url.Parse(srv.URL)
	return b
}

// recorded renders the recorded requests ("" if none).
func (b *scriptedBackend) recorded() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.requests, "\n")
}

func (b *scriptedBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s := r.Method + " " + r.URL.RequestURI() + "\n"
	for _, h := range []string{"Authorization", "Content-Type"} {
		if v := r.Header.Get(h); v != "" {
			s += h + ": " + v + "\n"
		}
	}
	if len(body) > 0 {
		s += "\n" + string(body) + "\n"
	}
	b.mu.Lock()
	b.requests = append(b.requests, s)
	b.mu.Unlock()
	writeScripted(w, b.response)
}

// writeScripted writes "STATUS\nHeader: v\n…\n\nbody" (the final newline of
// the txtar section is not part of the body). Without a Content-Type line
// the answer has none, as TorchServe's handler answers usually do.
func writeScripted(w http.ResponseWriter, script []byte) {
	head, body, _ := bytes.Cut(script, []byte("\n\n"))
	lines := strings.Split(string(head), "\n")
	status, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		status = http.StatusTeapot
	}
	w.Header()["Content-Type"] = nil // no sniffing
	for _, h := range lines[1:] {
		if k, v, ok := strings.Cut(h, ":"); ok {
			w.Header().Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(body, []byte("\n")))
}
