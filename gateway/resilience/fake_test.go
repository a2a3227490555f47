// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rtFunc is an in-memory http.RoundTripper: no sockets, so it runs inside a
// synctest bubble.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// attempt is what the fake backend saw of one attempt.
type attempt struct {
	at            time.Time
	body          string
	contentLength int64
	deadline      time.Time
	path          string
}

// fakeBackend is a scripted backend speaking plain HTTP/1.1 status codes;
// answer(n, req) gives the outcome of attempt n (from 0).
type fakeBackend struct {
	answer func(n int, req *http.Request) (*http.Response, error)

	mu       sync.Mutex
	attempts []attempt
	bodies   []*trackedBody
}

func (f *fakeBackend) RoundTrip(req *http.Request) (*http.Response, error) {
	a := attempt{at: time.Now(), contentLength: req.ContentLength, path: req.URL.Path}
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		a.body = string(b)
	}
	a.deadline, _ = req.Context().Deadline()
	f.mu.Lock()
	n := len(f.attempts)
	f.attempts = append(f.attempts, a)
	f.mu.Unlock()
	resp, err := f.answer(n, req)
	if resp != nil {
		f.mu.Lock()
		f.bodies = append(f.bodies, resp.Body.(*trackedBody))
		f.mu.Unlock()
		resp.Request = req
	}
	return resp, err
}

func (f *fakeBackend) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.attempts)
}

func (f *fakeBackend) seen() []attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]attempt(nil), f.attempts...)
}

func (f *fakeBackend) responseBodies() []*trackedBody {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*trackedBody(nil), f.bodies...)
}

// always answers every attempt with status.
func always(status int) func(int, *http.Request) (*http.Response, error) {
	return func(n int, _ *http.Request) (*http.Response, error) { return respond(status, nil, ""), nil }
}

// sequence answers attempt n with statuses[n], repeating the last.
func sequence(statuses ...int) func(int, *http.Request) (*http.Response, error) {
	return func(n int, _ *http.Request) (*http.Response, error) {
		return respond(statuses[min(n, len(statuses)-1)], nil, ""), nil
	}
}

// failing fails every attempt with err.
func failing(err error) func(int, *http.Request) (*http.Response, error) {
	return func(int, *http.Request) (*http.Response, error) { return nil, err }
}

// hang blocks until the attempt's context is done.
func hang(_ int, req *http.Request) (*http.Response, error) {
	<-req.Context().Done()
	return nil, req.Context().Err()
}

// trackedBody is a response body that records whether it was closed.
type trackedBody struct {
	*strings.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

// respond builds a response; an empty body defaults to "status <code>".
func respond(status int, header http.Header, body string) *http.Response {
	if body == "" {
		body = "status " + http.StatusText(status)
	}
	if header == nil {
		header = make(http.Header)
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: &trackedBody{Reader: strings.NewReader(body)}, ContentLength: int64(len(body)),
	}
}

// testPolicy is DefaultPolicy with short backoffs and a breaker that
// stays out of the way unless a test lowers ConsecutiveFailures.
func testPolicy() Policy {
	p := DefaultPolicy()
	p.BackoffMin, p.BackoffMax = 10*time.Millisecond, 100*time.Millisecond
	p.Breaker.ConsecutiveFailures = 1000
	return p
}

// newTestBackend builds a Backend over f. randN returns its argument minus
// one (the top of the jitter range) so waits are deterministic.
func newTestBackend(t *testing.T, p Policy, f http.RoundTripper, mod ...func(*ClientOptions)) *Backend {
	t.Helper()
	opts := ClientOptions{Backend: "test-backend", Policy: p, Transport: f}
	for _, m := range mod {
		m(&opts)
	}
	b, err := NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	b.randN = func(n int64) int64 { return n - 1 }
	return b
}

const testURL = "http://backend.test/v2/models/iris/infer"

// post sends body through b's client the way adapters do (bytes.Reader).
func post(ctx context.Context, b *Backend, url, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return b.Client().Do(req)
}

// readClose reads and closes resp's body.
func readClose(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	resp.Body.Close()
	return string(b)
}

// logBuffer is a concurrency-safe slog sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
