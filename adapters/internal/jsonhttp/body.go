// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/modelgate/modelgate/adapters"
)

// DefaultMaxResponseBytes is the response size limit used when an adapter is
// given none (64 MiB, the config default of backends[].max_response_bytes).
const DefaultMaxResponseBytes = 64 << 20

// MaxErrorBodyBytes bounds how much of a non-2xx response is read to extract
// its message. A longer error body is discarded and the status alone decides.
const MaxErrorBodyBytes = 64 << 10

// drainLimit bounds how many unread bytes DrainClose discards so that the
// connection can go back to the pool; past it the connection is closed.
const drainLimit = 64 << 10

// DrainClose discards at most 64 KiB of what is left of body and closes it.
// A fully read body lets the transport reuse the keep-alive connection; a
// longer remainder is not worth reading and the connection is dropped.
func DrainClose(body io.ReadCloser) {
	if body == nil {
		return
	}
	// Like io.CopyN(io.Discard, body, drainLimit), without its per-call
	// LimitedReader: on the hot path the body is already at EOF.
	buf := drainBufs.Get().(*[drainBufSize]byte)
	for n := 0; n < drainLimit; {
		k, err := body.Read(buf[:min(drainBufSize, drainLimit-n)])
		n += k
		if err != nil {
			break
		}
	}
	drainBufs.Put(buf)
	_ = body.Close()
}

// drainBufSize is the size of DrainClose's scratch buffers, which are
// written to and never read, like io.Discard's.
const drainBufSize = 8 << 10

var drainBufs = sync.Pool{New: func() any { return new([drainBufSize]byte) }}

// ReadBody reads all of resp.Body, at most limit bytes (DefaultMaxResponseBytes
// if limit <= 0), and closes it. A longer body yields an error wrapping
// adapters.ErrBadUpstream ("response exceeds N bytes"), checked against
// Content-Length before anything is read. If the request's context ends
// during the read the error satisfies errors.Is with the context's error;
// other read failures wrap adapters.ErrBadUpstream.
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	defer DrainClose(resp.Body)
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	if resp.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	if resp.ContentLength >= 0 {
		// The transport stops the body at Content-Length, so one exact
		// allocation suffices.
		data := make([]byte, resp.ContentLength)
		if _, err := io.ReadFull(resp.Body, data); err != nil {
			return nil, readError(resp, err)
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, readError(resp, err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit)
	}
	return data, nil
}

func tooLarge(limit int64) error {
	return fmt.Errorf("%w: response exceeds %d bytes", adapters.ErrBadUpstream, limit)
}

// readError classifies a failure while reading a body whose headers arrived.
// Without a context error it is the connection breaking mid-answer (reset,
// unexpected EOF: a backend killed while answering), which says nothing
// about the request and may succeed on another target or a later attempt:
// ErrUnavailable, so the gateway falls back rather than answering 502.
func readError(resp *http.Response, err error) error {
	if ctxErr := requestContextErr(resp); ctxErr != nil {
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("reading response body: %w", err)
		}
		return fmt.Errorf("reading response body: %w (%v)", ctxErr, err)
	}
	return fmt.Errorf("%w: connection broke while reading the response body: %v", adapters.ErrUnavailable, err)
}

func requestContextErr(resp *http.Response) error {
	if resp.Request == nil {
		return nil
	}
	return resp.Request.Context().Err()
}
