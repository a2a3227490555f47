// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// NewRequestHeld is NewRequest for a body whose memory is reused once every
// reader of it is done (adapters.Request.SourceHold): each body it makes,
// the first and those GetBody makes for retries, holds the bytes through
// hold from its creation until it is closed and no read of it is under
// way. With a nil hold or an empty body it is NewRequest.
func NewRequestHeld(ctx context.Context, method string, u *url.URL, body []byte, hold func() func(), contentType string) (*http.Request, error) {
	if hold == nil || len(body) == 0 {
		return NewRequest(ctx, method, u, body, contentType)
	}
	req, err := NewRequest(ctx, method, u, nil, "")
	if err != nil {
		return nil, err
	}
	req.Body = newHeldReader(body, hold)
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return newHeldReader(body, hold), nil }
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// errReadAfterClose is what a held body reads once closed.
var errReadAfterClose = errors.New("jsonhttp: read of a closed request body")

// heldReader reads bytes held for it, like bytes.Reader. Close ends the
// hold; a read under way when Close is called ends it when it returns, so
// that the bytes are never reused under a reader. A transport may close a
// body from another goroutine than the one writing it.
type heldReader struct {
	mu      sync.Mutex
	b       []byte
	off     int
	reading bool
	closed  bool
	release func() // nil once released
}

func newHeldReader(b []byte, hold func() func()) *heldReader {
	return &heldReader{b: b, release: hold()}
}

// begin starts a read: the unread bytes, or ok false once closed.
func (r *heldReader) begin() (rest []byte, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, false
	}
	r.reading = true
	return r.b[r.off:], true
}

// end ends a read of n bytes, releasing the hold if Close came meanwhile.
func (r *heldReader) end(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.off += n
	r.reading = false
	if r.closed && r.release != nil { // closed during the read
		r.release()
		r.release = nil
	}
}

func (r *heldReader) Read(p []byte) (int, error) {
	rest, ok := r.begin()
	if !ok {
		return 0, errReadAfterClose
	}
	n := copy(p, rest)
	r.end(n)
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// WriteTo writes the unread bytes to w in one call, as bytes.Reader does,
// so that a transport copying the body makes no copy of its own.
func (r *heldReader) WriteTo(w io.Writer) (int64, error) {
	rest, ok := r.begin()
	if !ok {
		return 0, errReadAfterClose
	}
	n, err := w.Write(rest)
	r.end(n)
	if err == nil && n < len(rest) {
		err = io.ErrShortWrite
	}
	return int64(n), err
}

// Close ends the hold now, or when the read under way returns.
func (r *heldReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed, r.b = true, nil
	if !r.reading {
		r.release()
		r.release = nil
	}
	return nil
}
