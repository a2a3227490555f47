// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
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
	c := goldenCase{ar: ar, opts: parseOptions(t, section(ar, "options"))}
	b := newScriptedBackend(t, section(ar, "metadata"), section(ar, "backend-response"))
	a := c.adapter(t, b.url)
	if section(ar, "metadata") != nil {
		if _, err := a.ModelMetadata(context.Background(), adapters.ModelRef{}); err != nil {
			t.Fatalf("priming metadata: %v", err)
		}
	}
	b.startRecording()
	result := c.run(t, a)
	got := map[string]string{"backend-request": b.recorded()}
	if errors.Is(result.err, errNoResult) {
		t.Fatal(result.err)
	}
	if result.err != nil {
		got["error"] = describeError(result.err)
	} else {
		got["response.json"] = result.out
	}
	compareSections(t, file, ar, got)
}

type goldenCase struct {
	ar   *txtar.Archive
	opts map[string]string
}

type goldenResult struct {
	out string
	err error
}

var errNoResult = errors.New("golden case produced no result")

func (c goldenCase) adapter(t *testing.T, base *url.URL) *Adapter {
	t.Helper()
	o := Options{Backend: "tfs", BaseURL: base, Client: &http.Client{}, Model: adapters.ModelRef{Name: "m"}}
	for k, v := range c.opts {
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

func (c goldenCase) run(t *testing.T, a *Adapter) goldenResult {
	ctx := context.Background()
	ref := adapters.ModelRef{Name: "route-name", Version: c.opts["request-version"]}
	switch c.opts["op"] {
	case "", "infer":
		req := c.request(t)
		req.Model = ref
		resp, err := a.Infer(ctx, req)
		if err != nil {
			return goldenResult{err: err}
		}
		out, err := adapters.AppendResponse(nil, resp)
		if err != nil {
			t.Fatalf("adapter returned an invalid response: %v", err)
		}
		return goldenResult{out: string(out) + "\n"}
	case "metadata":
		md, err := a.ModelMetadata(ctx, ref)
		if err != nil {
			return goldenResult{err: err}
		}
		return goldenResult{out: string(adapters.AppendMetadata(nil, md)) + "\n"}
	case "ready":
		if err := a.ModelReady(ctx, ref); err != nil {
			return goldenResult{err: err}
		}
		return goldenResult{out: "ready\n"}
	}
	return goldenResult{err: fmt.Errorf("%w: unknown op %q", errNoResult, c.opts["op"])}
}

// request is request.json decoded, or with option raw, its bytes as a raw
// payload of that content type.
func (c goldenCase) request(t *testing.T) *adapters.Request {
	t.Helper()
	data := bytes.TrimSuffix(section(c.ar, "request.json"), []byte("\n"))
	if ct, ok := c.opts["raw"]; ok {
		return &adapters.Request{Raw: &adapters.Payload{ContentType: ct, Data: data}}
	}
	req, err := adapters.DecodeRequest(data)
	if err != nil {
		t.Fatalf("request.json: %v", err)
	}
	return req
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

// compareSections checks (or, with -update, rewrites) the expected sections.
func compareSections(t *testing.T, file string, ar *txtar.Archive, got map[string]string) {
	t.Helper()
	expected := []string{"backend-request", "response.json", "error"}
	if *update {
		var files []txtar.File
		for _, f := range ar.Files {
			if !slices.Contains(expected, f.Name) {
				files = append(files, f)
			}
		}
		for _, name := range expected {
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
	for _, name := range expected {
		want, hasWant := sectionOK(ar, name)
		g, hasGot := got[name]
		if hasWant != hasGot {
			t.Errorf("%s: got section present=%v, want present=%v; got:\n%s", name, hasGot, hasWant, g)
			continue
		}
		if diff := cmp.Diff(want, g); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
}

func sectionOK(ar *txtar.Archive, name string) (string, bool) {
	for _, f := range ar.Files {
		if f.Name == name {
			return string(f.Data), true
		}
	}
	return "", false
}

// scriptedBackend answers the priming metadata call, then the scripted
// response, and records the one request made while recording.
type scriptedBackend struct {
	url       *url.URL
	metadata  []byte
	response  []byte
	mu        sync.Mutex
	recording bool
	requests  []string
}

func newScriptedBackend(t *testing.T, metadata, response []byte) *scriptedBackend {
	t.Helper()
	b := &scriptedBackend{metadata: metadata, response: response}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	b.url, _ = url.Parse(srv.URL)
	return b
}

func (b *scriptedBackend) startRecording() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recording = true
}

// recorded renders the recorded requests ("" if none).
func (b *scriptedBackend) recorded() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.requests, "\n")
}

func (b *scriptedBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	recording := b.recording
	if recording {
		s := r.Method + " " + r.URL.RequestURI() + "\n"
		if ct := r.Header.Get("Content-Type"); ct != "" {
			s += "Content-Type: " + ct + "\n"
		}
		if len(body) > 0 {
			s += "\n" + string(body) + "\n"
		}
		b.requests = append(b.requests, s)
	}
	b.mu.Unlock()
	if !recording {
		writeScripted(w, []byte("200\nContent-Type: application/json\n\n"+string(b.metadata)))
		return
	}
	writeScripted(w, b.response)
}

// writeScripted writes "STATUS\nHeader: v\n…\n\nbody" (the final newline of
// the txtar section is not part of the body).
func writeScripted(w http.ResponseWriter, script []byte) {
	head, body, _ := bytes.Cut(script, []byte("\n\n"))
	lines := strings.Split(string(head), "\n")
	status, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		status = http.StatusTeapot
	}
	for _, h := range lines[1:] {
		if k, v, ok := strings.Cut(h, ":"); ok {
			w.Header().Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(body, []byte("\n")))
}
