// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

// maxRecorded bounds how much of each answer the upstream records.
const maxRecorded = 4 << 10

// upstream is the fake backend of one test, wrapped to count the requests
// that reach it and to record the last answer's status and body.
type upstream struct {
	URL      *url.URL
	requests atomic.Int64
	started  chan struct{} // receives once per request, never blocks

	mu     sync.Mutex
	status int
	body   []byte
}

// startUpstream serves h on a loopback httptest.Server closed by cleanup.
func startUpstream(t *testing.T, h http.Handler) *upstream {
	t.Helper()
	up := &upstream{started: make(chan struct{}, 1024)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.requests.Add(1)
		up.reset()
		select {
		case up.started <- struct{}{}:
		default:
		}
		h.ServeHTTP(&recorder{ResponseWriter: w, up: up}, r)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	up.URL = u
	return up
}

func (u *upstream) reset() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.status, u.body = 0, nil
}

// last returns the status and the start of the body of the last answer.
func (u *upstream) last() (int, []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.status, u.body
}

// recorder records what the fake writes.
type recorder struct {
	http.ResponseWriter
	up    *upstream
	wrote bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.wrote = true
		r.up.mu.Lock()
		r.up.status = code
		r.up.mu.Unlock()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	r.up.mu.Lock()
	if room := maxRecorded - len(r.up.body); room > 0 {
		r.up.body = append(r.up.body, p[:min(room, len(p))]...)
	}
	r.up.mu.Unlock()
	return r.ResponseWriter.Write(p)
}

// Flush passes flushes through, for streaming fakes.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// withLength buffers h's answer and sends it with a Content-Length header.
func withLength(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// streamed sends h's answer chunked, without Content-Length, so that only
// counting the bytes read can enforce a limit.
func streamed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&flusher{ResponseWriter: w}, r)
	})
}

type flusher struct {
	http.ResponseWriter
	wrote bool
}

func (f *flusher) WriteHeader(code int) {
	if !f.wrote {
		f.wrote = true
		f.Header().Del("Content-Length")
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *flusher) Write(p []byte) (int, error) {
	if !f.wrote {
		f.WriteHeader(http.StatusOK)
	}
	n, err := f.ResponseWriter.Write(p)
	if fl, ok := f.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

// startHanging starts an upstream that blocks every request until the
// client goes away or the test ends.
func startHanging(t *testing.T) *upstream {
	t.Helper()
	stop := make(chan struct{})
	up := startUpstream(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		// The server notices a client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop) }) // runs before the server's Close
	return up
}

// countingTransport counts responses whose bodies are still open.
type countingTransport struct {
	base http.RoundTripper
	open atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	c.open.Add(1)
	resp.Body = &countedBody{ReadCloser: resp.Body, t: c}
	return resp, nil
}

type countedBody struct {
	io.ReadCloser
	t    *countingTransport
	once sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.t.open.Add(-1) })
	return b.ReadCloser.Close()
}

// env is one test's adapter and upstream.
type env struct {
	h       *Harness
	cfg     Config
	adapter adapters.Adapter
	up      *upstream
	tr      *countingTransport
	ids     atomic.Int64 // numbers the requests' ids
}

// newEnv builds the adapter for model against up.
func newEnv(t *testing.T, h *Harness, up *upstream, model adapters.ModelRef) *env {
	t.Helper()
	tr := &countingTransport{base: &http.Transport{MaxIdleConnsPerHost: Concurrency}}
	client := &http.Client{Transport: tr}
	t.Cleanup(client.CloseIdleConnections)
	e := &env{
		cfg: Config{BaseURL: up.URL, Client: client, Backend: BackendName, Model: model,
			MaxResponseBytes: MaxResponseBytes},
		h: h, up: up, tr: tr,
	}
	e.adapter = h.New(t, e.cfg)
	if e.adapter == nil {
		t.Fatal("Harness.New returned nil")
	}
	return e
}

// settle asserts the upstream saw want requests in all and that every
// response body has been closed.
func (e *env) settle(t *testing.T, want int64) {
	t.Helper()
	if got := e.up.requests.Load(); got != want {
		t.Errorf("upstream requests = %d, want %d (adapters make exactly one round trip per call, no retries)", got, want)
	}
	if open := e.tr.open.Load(); open != 0 {
		t.Errorf("unclosed response bodies = %d, want 0", open)
	}
}
