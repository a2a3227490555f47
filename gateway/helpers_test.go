// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// fake is a scripted adapters.Adapter. Nil funcs answer: Infer echoes the
// inputs as outputs, ModelReady is ready, ModelMetadata is unsupported. It
// records the model refs it was called with.
type fake struct {
	infer func(ctx context.Context, req *adapters.Request) (*adapters.Response, error)
	ready func(ctx context.Context, m adapters.ModelRef) error
	meta  func(ctx context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error)

	mu    sync.Mutex
	calls []string // "infer iris@3", "ready iris", …
	reqs  []*adapters.Request
}

func (f *fake) record(op string, m adapters.ModelRef) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+m.String())
}

// Calls returns the calls made so far.
func (f *fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fake) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	f.record("infer", req.Model)
	f.mu.Lock()
	f.reqs = append(f.reqs, req.Clone())
	f.mu.Unlock()
	if f.infer != nil {
		return f.infer(ctx, req)
	}
	return &adapters.Response{ID: req.ID, Model: req.Model, Outputs: req.Inputs}, nil
}

func (f *fake) ModelReady(ctx context.Context, m adapters.ModelRef) error {
	f.record("ready", m)
	if f.ready != nil {
		return f.ready(ctx, m)
	}
	return nil
}

func (f *fake) ModelMetadata(ctx context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
	f.record("metadata", m)
	if f.meta != nil {
		return f.meta(ctx, m)
	}
	return nil, &adapters.Error{Op: "metadata", Backend: "fake", Model: m.String(), Err: errors.ErrUnsupported}
}

// fail returns an Infer func failing with an *adapters.Error of kind.
func fail(backend string, status int, kind error, msg string) func(context.Context, *adapters.Request) (*adapters.Response, error) {
	return func(_ context.Context, req *adapters.Request) (*adapters.Response, error) {
		return nil, &adapters.Error{Op: "infer", Backend: backend, Model: req.Model.String(), Status: status,
			Message: msg, Err: kind}
	}
}

// hang blocks until ctx is done and returns its error, as adapters must.
func hang(ctx context.Context, _ *adapters.Request) (*adapters.Response, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// oneRoute builds options with one route "iris" over the given targets.
func oneRoute(timeout time.Duration, targets ...Target) Options {
	return Options{Routes: []Route{{Name: "iris", Timeout: timeout, Targets: targets}}, Version: "1.2.3"}
}

// newGateway builds a gateway or fails the test.
func newGateway(t *testing.T, opts Options) *Gateway {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// httpRequest builds a request bound to ctx.
func httpRequest(t *testing.T, ctx context.Context, method, path, body string) *http.Request {
	t.Helper()
	req := httptest.NewRequestWithContext(ctx, method, path, bytes.NewBufferString(body))
	return req
}

// serve runs req through g.Handler. Tests read headers from rec.Result(),
// the header as written with the status line, so headers set too late are
// missing, as they would be on the wire.
func serve(g *Gateway, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, req)
	return rec
}

// do serves one request through g.Handler.
func do(t *testing.T, g *Gateway, method, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req := httptest.NewRequest(method, path, rd)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return serve(g, req)
}

// wantStatus checks the status and, when wantBody is set, the exact body.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int, wantBody string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status: got %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	if wantBody != "" && rec.Body.String() != wantBody {
		t.Errorf("body:\ngot  %s\nwant %s", rec.Body, wantBody)
	}
	if ct := rec.Result().Header.Get("Content-Type"); rec.Body.Len() > 0 && ct != "application/json" {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
}

// errorMessage decodes {"error": …}.
func errorMessage(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error *string `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == nil {
		t.Fatalf("error body: got %q, want {\"error\": …} (%v)", rec.Body, err)
	}
	return *body.Error
}
