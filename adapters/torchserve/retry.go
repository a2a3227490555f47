// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/modelgate/modelgate/adapters"
)

// peekLimit bounds how much of an error body Retryable and Fault read: a
// TorchServe error body is a few hundred bytes of pretty-printed JSON.
const peekLimit = 4 << 10

// Retryable tells the resilience layer whether a TorchServe response is
// worth another attempt, where TorchServe's statuses say the opposite of
// what they mean (PROTOCOLS.md §2.4). It has the shape of
// resilience.ClientOptions.Retryable:
//
//   - 503 from the frontend ("has no worker to serve inference request":
//     no workers, or the job queue is full), 507 (out of resources, a worker
//     OOM-killed), 500 "Worker died." (the worker restarts) and 408 are
//     retried;
//   - a worker-originated 503 ("Prediction failed", "Invalid model predict
//     output", …: the handler failed on this input) is not;
//   - for every other response ok is false and the default policy decides.
//
// It reads at most 4 KiB of the body and leaves resp.Body readable from its
// start (the peeked bytes are replayed, then the rest), so the adapter still
// sees the whole answer.
func Retryable(resp *http.Response) (retry, ok bool) {
	switch resp.StatusCode {
	case http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusInsufficientStorage,
		http.StatusRequestTimeout:
	default:
		return false, false
	}
	c := classify(resp.StatusCode, peek(resp), "")
	switch {
	case c.retry:
		return true, true
	case errors.Is(c.kind, adapters.ErrModelFailed):
		return false, true
	}
	return false, false
}

// Fault tells the resilience layer whether a TorchServe response counts as
// a backend fault for the circuit breaker, in the shape of
// resilience.ClientOptions.Fault: a handler failing on one input (a
// worker-originated 503) says nothing about the backend's health, so it is
// not a fault; for every other response ok is false and the default policy
// (5xx and 429 are faults) decides. Like Retryable it peeks at most 4 KiB
// and leaves the body readable.
func Fault(resp *http.Response) (fault, ok bool) {
	if resp.StatusCode != http.StatusServiceUnavailable {
		return false, false
	}
	c := classify(resp.StatusCode, peek(resp), "")
	if errors.Is(c.kind, adapters.ErrModelFailed) {
		return false, true
	}
	return false, false
}

// peek returns up to peekLimit leading bytes of resp.Body and replaces the
// body with one that yields those bytes again, then the rest. A read error
// is kept for the adapter: the new body returns it after the peeked bytes.
func peek(resp *http.Response) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, peekLimit))
	resp.Body = &replayBody{
		Reader: io.MultiReader(bytes.NewReader(head), errReader{err}, resp.Body),
		closer: resp.Body,
	}
	return head
}

// replayBody is a response body whose first bytes were already peeked.
type replayBody struct {
	io.Reader
	closer io.Closer
}

// Close closes the original body.
func (b *replayBody) Close() error { return b.closer.Close() }

// errReader yields err (or, if nil, io.EOF so that io.MultiReader moves on).
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
