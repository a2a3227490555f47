// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// holds counts holds taken and released, and fails the test on a release
// of a hold that was not taken or was released before.
type holds struct {
	t        *testing.T
	taken    atomic.Int32
	released atomic.Int32
}

func (h *holds) hold() func() {
	h.taken.Add(1)
	var done atomic.Bool
	return func() {
		if !done.CompareAndSwap(false, true) {
			h.t.Error("a hold was released twice")
			return
		}
		h.released.Add(1)
	}
}

func (h *holds) open() int32 { return h.taken.Load() - h.released.Load() }

func TestNewRequestHeld(t *testing.T) {
	t.Parallel()
	h := &holds{t: t}
	body := []byte(`{"inputs":[]}`)
	u, _ := url.Parse("http://backend.test/v2/models/m/infer")
	req, err := NewRequestHeld(context.Background(), http.MethodPost, u, body, h.hold, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if req.ContentLength != int64(len(body)) || req.Header.Get("Content-Type") != "application/json" || req.GetBody == nil {
		t.Fatalf("request: ContentLength %d, Content-Type %q, GetBody set %v", req.ContentLength, req.Header.Get("Content-Type"), req.GetBody != nil)
	}
	if h.open() != 1 {
		t.Fatalf("%d holds open after NewRequestHeld, want 1", h.open())
	}
	retry, err := req.GetBody()
	if err != nil || h.open() != 2 {
		t.Fatalf("GetBody: %v; %d holds open, want 2", err, h.open())
	}
	for _, rc := range []io.ReadCloser{req.Body, retry} {
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("body reads %q, %v; want %q", got, err, body)
		}
		_ = rc.Close()
		_ = rc.Close() // a second Close releases nothing more
		if _, err := rc.Read(make([]byte, 1)); !errors.Is(err, errReadAfterClose) {
			t.Fatalf("Read after Close: %v, want errReadAfterClose", err)
		}
	}
	if h.open() != 0 || h.taken.Load() != 2 {
		t.Fatalf("holds: %d taken, %d open; want 2 and 0", h.taken.Load(), h.open())
	}
	// No hold, or no body: NewRequest's request, with nothing held.
	req, err = NewRequestHeld(context.Background(), http.MethodPost, u, body, nil, "application/json")
	if err != nil || req.GetBody == nil || req.ContentLength != int64(len(body)) {
		t.Fatalf("without hold: %v, %+v", err, req)
	}
	if _, err = NewRequestHeld(context.Background(), http.MethodGet, u, nil, h.hold, ""); err != nil || h.taken.Load() != 2 {
		t.Fatalf("without body: %v, %d holds taken, want 2", err, h.taken.Load())
	}
}

// blockingWriter blocks its first Write until release is closed.
type blockingWriter struct {
	started chan struct{}
	release chan struct{}
	got     bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	close(w.started)
	<-w.release
	return w.got.Write(p)
}

// TestHeldReaderCloseDuringRead: a Close from another goroutine while the
// body is being written does not release the bytes until the write returns.
func TestHeldReaderCloseDuringRead(t *testing.T) {
	t.Parallel()
	h := &holds{t: t}
	r := newHeldReader([]byte("payload"), h.hold)
	w := &blockingWriter{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error)
	go func() {
		_, err := r.WriteTo(w)
		done <- err
	}()
	<-w.started
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if h.open() != 1 {
		t.Fatalf("released during the write: %d holds open, want 1", h.open())
	}
	close(w.release)
	if err := <-done; err != nil || w.got.String() != "payload" {
		t.Fatalf("WriteTo: %v, wrote %q", err, w.got.String())
	}
	if h.open() != 0 {
		t.Fatalf("%d holds open after the write returned, want 0", h.open())
	}
}

// TestHeldBodiesReleasedByTransport: net/http's client and transport close
// every body they were given, the retried ones included, so no hold stays
// open once the answers are read.
func TestHeldBodiesReleasedByTransport(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, b)
		mu.Unlock()
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	h := &holds{t: t}
	body := bytes.Repeat([]byte("0123456789"), 100_000)
	u, _ := url.Parse(srv.URL)
	for range 3 {
		req, err := NewRequestHeld(context.Background(), http.MethodPost, u, body, h.hold, "application/json")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		DrainClose(resp.Body)
	}
	// The transport may close a request body after RoundTrip returns.
	for deadline := time.Now().Add(5 * time.Second); h.open() != 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if h.open() != 0 {
		t.Fatalf("%d holds still open", h.open())
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range seen {
		if !bytes.Equal(b, body) {
			t.Fatalf("the server got %d bytes, want the %d-byte body", len(b), len(body))
		}
	}
}
