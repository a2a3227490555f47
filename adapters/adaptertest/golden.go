// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
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

// Golden configures RunGolden, the harness of an adapter's golden
// transcoding test (STYLE.md §3.7):
//
//	var update = flag.Bool("update", false, "rewrite the expected sections of testdata/*.txtar")
//
//	func TestGolden(t *testing.T) {
//		t.Parallel()
//		adaptertest.RunGolden(t, adaptertest.Golden{Update: *update, Sections: []string{
//			"backend-request", "response.json", "error"}}, func(t *testing.T, c *adaptertest.GoldenCase) map[string]string {
//			b := adaptertest.NewScriptedBackend(t, c.Section("backend-response"), "Content-Type")
//			a := newAdapter(t, c.Options, b.URL) // the adapter's own options parsing
//			out, err := c.Do(t, a, adapters.ModelRef{Name: "m"}, c.Request(t))
//			return adaptertest.GoldenSections(b.Requests(), out, err)
//		})
//	}
type Golden struct {
	// Pattern selects the case files. Default: "testdata/*.txtar".
	Pattern string

	// Sections names the sections a run produces, in the order Update
	// writes them after the case's other sections.
	Sections []string

	// Update rewrites the Sections of every case file from what the run
	// produced instead of comparing them; review the diff before
	// committing. Usually the value of the test package's -update flag.
	Update bool

	// RenderRaw renders a Raw response for GoldenCase.Do. If nil, it is
	// "raw: <content type>", "id: <id>", a blank line and the payload.
	RenderRaw func(*adapters.Response) string
}

// GoldenCase is one parsed case file of a golden test.
type GoldenCase struct {
	// File is the case file's path.
	File string

	// Archive is the parsed case file.
	Archive *txtar.Archive

	// Options holds the "key: value" lines of the options section, trimmed;
	// empty if the case has none.
	Options map[string]string

	renderRaw func(*adapters.Response) string
}

// RunGolden runs each file matching g.Pattern as a parallel subtest named
// after the file: run performs the case and returns the sections it
// produced, keyed by name, which RunGolden compares with (or, with
// g.Update, writes into) the file's g.Sections. A section run does not
// return must be absent from the file.
func RunGolden(t *testing.T, g Golden, run func(t *testing.T, c *GoldenCase) map[string]string) {
	t.Helper()
	pattern := g.Pattern
	if pattern == "" {
		pattern = "testdata/*.txtar"
	}
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files match %q: %v", pattern, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c := &GoldenCase{File: file, Archive: ar, renderRaw: g.RenderRaw}
			c.Options = ParseOptions(t, c.Section("options"))
			got := run(t, c)
			if g.Update {
				writeSections(t, c, g.Sections, got)
				return
			}
			compareSections(t, c, g.Sections, got)
		})
	}
}

// ParseOptions parses "key: value" lines, trimming both; blank lines are
// skipped and any other line fails the test.
func ParseOptions(t *testing.T, data []byte) map[string]string {
	t.Helper()
	opts := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
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

// Section returns the named section's data, or nil if the case has none.
func (c *GoldenCase) Section(name string) []byte {
	return Section(c.Archive, name)
}

func (c *GoldenCase) section(name string) ([]byte, bool) {
	i := slices.IndexFunc(c.Archive.Files, func(f txtar.File) bool { return f.Name == name })
	if i < 0 {
		return nil, false
	}
	return c.Archive.Files[i].Data, true
}

// Section returns the data of ar's first section with the given name, or
// nil if it has none (also for seeding fuzz targets from golden files).
func Section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// Request returns the request.json section (without its final newline)
// decoded as a canonical request or, if option raw names a content type,
// as a Raw payload of that type. It is nil if the case has no request.json.
func (c *GoldenCase) Request(t *testing.T) *adapters.Request {
	t.Helper()
	data, ok := c.section("request.json")
	if !ok {
		return nil
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	if ct, ok := c.Options["raw"]; ok {
		return &adapters.Request{Raw: &adapters.Payload{ContentType: ct, Data: data}}
	}
	req, err := adapters.DecodeRequest(data)
	if err != nil {
		t.Fatalf("request.json: %v", err)
	}
	return req
}

// Do performs the operation option op names on a for model ref: infer (the
// default) sends req with its Model set to ref, metadata and ready ask
// about ref. It renders the result as OIP response JSON (a Raw response
// through Golden.RenderRaw), metadata JSON or "ready", each with a final
// newline; an unknown op or an infer case without a request fails the test.
func (c *GoldenCase) Do(t *testing.T, a adapters.Adapter, ref adapters.ModelRef, req *adapters.Request) (string, error) {
	t.Helper()
	ctx := context.Background()
	switch op := c.Options["op"]; op {
	case "", "infer":
		if req == nil {
			t.Fatal("an infer case needs a request.json section")
		}
		req.Model = ref
		resp, err := a.Infer(ctx, req)
		if err != nil {
			return "", err
		}
		return c.renderResponse(t, resp), nil
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
	default:
		t.Fatalf("unknown op %q", op)
		return "", nil
	}
}

func (c *GoldenCase) renderResponse(t *testing.T, resp *adapters.Response) string {
	t.Helper()
	if resp.Raw != nil {
		if c.renderRaw != nil {
			return c.renderRaw(resp)
		}
		return fmt.Sprintf("raw: %s\nid: %s\n\n%s\n", resp.Raw.ContentType, resp.ID, resp.Raw.Data)
	}
	out, err := adapters.AppendResponse(nil, resp)
	if err != nil {
		t.Fatalf("adapter returned an invalid response: %v", err)
	}
	return string(out) + "\n"
}

// GoldenSections returns the usual sections of a run that made the upstream
// requests rec (as ScriptedBackend.Requests renders them) and returned out
// or err: backend-request unless rec is empty, then response.json (out) or
// error (DescribeError).
func GoldenSections(rec, out string, err error) map[string]string {
	got := map[string]string{}
	if rec != "" {
		got["backend-request"] = rec
	}
	if err != nil {
		got["error"] = DescribeError(err)
	} else {
		got["response.json"] = out
	}
	return got
}

// DescribeError renders an adapter error as "key: value" lines: the kind it
// wraps, then, for an *adapters.Error, its op, status, retry-after (if set)
// and message, and last the error's text.
func DescribeError(err error) string {
	var b strings.Builder
	kind := "none"
	for _, k := range []error{adapters.ErrInvalidInput, adapters.ErrModelNotFound, adapters.ErrUnavailable,
		adapters.ErrRateLimited, adapters.ErrModelFailed, adapters.ErrBadUpstream, errors.ErrUnsupported,
		context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, k) {
			kind = k.Error()
			break
		}
	}
	fmt.Fprintf(&b, "kind: %s\n", kind)
	if ae, ok := errors.AsType[*adapters.Error](err); ok {
		fmt.Fprintf(&b, "op: %s\nstatus: %d\n", ae.Op, ae.Status)
		if ae.RetryAfter != 0 {
			fmt.Fprintf(&b, "retry-after: %s\n", ae.RetryAfter)
		}
		fmt.Fprintf(&b, "message: %s\n", ae.Message)
	}
	fmt.Fprintf(&b, "error: %s\n", err)
	return b.String()
}

// writeSections replaces the case file's sections with got's: the case's
// other sections keep their order, then come those of got in the order of
// names.
func writeSections(t *testing.T, c *GoldenCase, names []string, got map[string]string) {
	t.Helper()
	var files []txtar.File
	for _, f := range c.Archive.Files {
		if !slices.Contains(names, f.Name) {
			files = append(files, f)
		}
	}
	for _, name := range names {
		if v, ok := got[name]; ok {
			files = append(files, txtar.File{Name: name, Data: []byte(v)})
		}
	}
	c.Archive.Files = files
	if err := os.WriteFile(c.File, txtar.Format(c.Archive), 0o644); err != nil {
		t.Fatal(err)
	}
}

func compareSections(t *testing.T, c *GoldenCase, names []string, got map[string]string) {
	t.Helper()
	for name := range got {
		if !slices.Contains(names, name) {
			t.Fatalf("the run produced section %q, which Golden.Sections lacks", name)
		}
	}
	for _, name := range names {
		want, hasWant := c.section(name)
		g, hasGot := got[name]
		if hasWant != hasGot {
			t.Errorf("%s: got present=%v, want present=%v; got:\n%s", name, hasGot, hasWant, g)
			continue
		}
		if diff := cmp.Diff(string(want), g); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
}

// ScriptedBackend is a test server that answers every request with a
// script — a status line, "Header: value" lines, a blank line and the body
// (a txtar section's final newline is not part of it) — and records the
// requests it gets. It sets no header the script lacks: no sniffed
// Content-Type. It is safe for concurrent use.
type ScriptedBackend struct {
	// URL is the server's base URL.
	URL *url.URL

	headers []string
	script  []byte

	mu       sync.Mutex
	priming  []byte // while non-nil, the body of every answer, unrecorded
	requests []string
}

// NewScriptedBackend starts a ScriptedBackend answering script, closed by
// t.Cleanup. Each recorded request shows the named headers it carries.
func NewScriptedBackend(t *testing.T, script []byte, headers ...string) *ScriptedBackend {
	t.Helper()
	b := &ScriptedBackend{script: script, headers: headers}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	b.URL, _ = url.Parse(srv.URL)
	return b
}

// Prime makes b answer every request with a 200 application/json body,
// without recording it, until Record: for calls that fill an adapter's
// cache before the operation under test.
func (b *ScriptedBackend) Prime(body []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.priming = append([]byte{}, body...)
}

// Record ends priming: b answers with the script and records again.
func (b *ScriptedBackend) Record() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.priming = nil
}

// Requests renders the recorded requests, "" if none: each is "METHOD URI",
// the headers NewScriptedBackend named that it carries, then, if it has a
// body, a blank line and the body.
func (b *ScriptedBackend) Requests() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.requests, "\n")
}

// ServeHTTP answers r, recording it unless b is priming.
func (b *ScriptedBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	priming := b.priming
	if priming == nil {
		s := r.Method + " " + r.URL.RequestURI() + "\n"
		for _, h := range b.headers {
			if v := r.Header.Get(h); v != "" {
				s += h + ": " + v + "\n"
			}
		}
		if len(body) > 0 {
			s += "\n" + string(body) + "\n"
		}
		b.requests = append(b.requests, s)
	}
	b.mu.Unlock()
	if priming != nil {
		writeScript(w, append([]byte("200\nContent-Type: application/json\n\n"), priming...))
		return
	}
	writeScript(w, b.script)
}

// writeScript writes a script; an unreadable status line becomes 418.
func writeScript(w http.ResponseWriter, script []byte) {
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

// ScriptResponse parses a script (as ScriptedBackend answers it) as the
// *http.Response a client would read; an unreadable status line fails the
// test.
func ScriptResponse(t *testing.T, script []byte) *http.Response {
	t.Helper()
	head, body, _ := bytes.Cut(script, []byte("\n\n"))
	status, rest, _ := strings.Cut(string(head), "\n")
	code, err := strconv.Atoi(strings.TrimSpace(status))
	if err != nil {
		t.Fatalf("script status line %q: %v", status, err)
	}
	raw := fmt.Sprintf("HTTP/1.1 %d %s\n%s\n\n%s", code, http.StatusText(code), rest,
		bytes.TrimSuffix(body, []byte("\n")))
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	return resp
}
