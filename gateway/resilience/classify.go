// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/modelgate/modelgate/gateway/upstream"
)

// retryKind is what the retry layer makes of one attempt's outcome.
type retryKind int

const (
	// noRetry: success, a client error, a deterministic failure, a
	// cancellation or an open breaker.
	noRetry retryKind = iota
	// retryBackoff: a backend fault that may pass; wait, then retry if the
	// budget and the deadline allow.
	retryBackoff
	// retryNow: a stale pooled connection; the request never reached a
	// live server, so retry at once and outside the budget.
	retryNow
)

// classifyStatus is the default retry policy for a response: 429, 502, 503
// and 504 may succeed later; every other status is final. 500 in
// particular is how inference servers report deterministic model errors.
func classifyStatus(code int) retryKind {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return retryBackoff
	}
	return noRetry
}

// classifyError is the retry policy for a transport error; the caller has
// checked that the request's context is not done. Errors net/http returns
// untyped are matched by their text, as go-retryablehttp does. Note that
// net/http's ResponseHeaderTimeout error matches context.DeadlineExceeded
// in errors.Is although the request's own deadline has not passed.
func classifyError(err error) retryKind {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, ErrCircuitOpen):
		return noRetry
	case isStaleConn(err):
		return retryNow
	case isConnError(err):
		return retryBackoff
	}
	return noRetry
}

// isStaleConn reports a reused keep-alive connection that the server had
// closed when the request went out: upstream's *StaleConnError, or
// net/http's errServerClosedIdle (from the standard transport that serves
// https), which net/http retries itself only for idempotent requests
// (golang/go#19943).
func isStaleConn(err error) bool {
	if err == nil {
		return false // before the declaration below, which allocates
	}
	var stale *upstream.StaleConnError
	return errors.As(err, &stale) || strings.Contains(err.Error(), "server closed idle connection")
}

// isConnError reports errors establishing or keeping a connection: dial
// failures, resets and EOF before a response, and per-attempt timeouts
// (dial timeout, ResponseHeaderTimeout), which count like a 504.
func isConnError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return strings.Contains(err.Error(), "transport connection broken")
}

// isFaultStatus is the default breaker policy for a response: 5xx except
// 501 (a deterministic "not supported"), and 429, are backend faults.
func isFaultStatus(code int) bool {
	return code == http.StatusTooManyRequests ||
		(code >= 500 && code != http.StatusNotImplemented)
}

// PeekBody returns up to n leading bytes of resp.Body and leaves the body
// readable from its start, for Retryable and Fault hooks that decide on the
// body (TorchServe's 503 "Prediction failed" is a handler exception, while
// its 503 "has no worker" is worth a retry). A read error is returned with
// the bytes read before it; the body still yields them, then the error.
func PeekBody(resp *http.Response, n int64) ([]byte, error) {
	if resp == nil || resp.Body == nil || resp.Body == http.NoBody || n <= 0 {
		return nil, nil
	}
	if p, ok := resp.Body.(*peekedBody); ok && (int64(len(p.head)) >= n || p.err != nil || p.eof) {
		return p.head[:min(int64(len(p.head)), n)], p.err
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, n))
	resp.Body = &peekedBody{
		Reader: io.MultiReader(bytes.NewReader(head), errReader{err}, resp.Body),
		head:   head, err: err, eof: err == nil && int64(len(head)) < n, closer: resp.Body,
	}
	return head, err
}

// peekedBody replays a peeked prefix, then the rest of the original body.
type peekedBody struct {
	io.Reader
	head   []byte
	err    error // the error that ended the peek, if any
	eof    bool  // head is the whole body
	closer io.Closer
}

func (p *peekedBody) Close() error { return p.closer.Close() }

// errReader yields err once; a nil err reads as an empty reader.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
