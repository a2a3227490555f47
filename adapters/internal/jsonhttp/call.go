// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// Call identifies one adapter operation. Its methods perform the upstream
// round trip and build the *adapters.Error values the operation returns.
type Call struct {
	// Op is the operation: "infer", "ready" or "metadata".
	Op string
	// Backend is the backend's configured name.
	Backend string
	// Model is the model addressed, as adapters.ModelRef.String renders it.
	Model string
}

// Error returns an *adapters.Error for c with the upstream status (0 if none
// was received) and err, which should wrap a kind.
func (c Call) Error(status int, err error) *adapters.Error {
	return &adapters.Error{Op: c.Op, Backend: c.Backend, Model: c.Model, Status: status, Err: err}
}

// StatusError returns the *adapters.Error for an unexpected upstream answer:
// its status, Retry-After, the message ErrorMessage extracts from body, and
// kind — or KindForStatus(resp.StatusCode) when kind is nil.
func (c Call) StatusError(resp *http.Response, body []byte, kind error) *adapters.Error {
	if kind == nil {
		kind = KindForStatus(resp.StatusCode)
	}
	e := c.Error(resp.StatusCode, kind)
	e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	e.Message = ErrorMessage(body)
	return e
}

// Do performs the single upstream round trip of c with client and returns
// the response together with its body, which Do has read and closed:
//
//   - a 2xx body is read in full, at most limit bytes (DefaultMaxResponseBytes
//     if limit <= 0); a longer one is an error wrapping adapters.ErrBadUpstream;
//   - any other body is read up to MaxErrorBodyBytes, for its message; a
//     longer one is dropped (nil body, no error), since the status decides.
//
// A nil error means a response arrived, whatever its status; the caller
// checks the status. Errors are *adapters.Error values: transport failures
// classified by TransportError (Status 0), body failures with the status.
// Do never retries: retries belong to the client's transport.
func (c Call) Do(client adapters.HTTPClient, req *http.Request, limit int64) (*http.Response, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, c.Error(0, TransportError(req.Context(), err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, readErrorBody(resp), nil
	}
	body, err := ReadBody(resp, limit)
	if err != nil {
		return nil, nil, c.Error(resp.StatusCode, err)
	}
	return resp, body, nil
}

// readErrorBody reads a bounded error body and closes it; any failure gives
// nil, because the status alone already classifies the answer.
func readErrorBody(resp *http.Response) []byte {
	body, err := ReadBody(resp, MaxErrorBodyBytes)
	if err != nil {
		return nil
	}
	return body
}

// Malformed wraps a decoding failure of an upstream body as
// adapters.ErrBadUpstream. The cause is kept as text only: codec errors may
// wrap adapters.ErrInvalidInput, which would blame the client for the
// backend's answer. A cause that already wraps ErrBadUpstream and no other
// kind (adapters.DecodeResponse's errors) is returned as it is.
func Malformed(err error) error {
	if errors.Is(err, adapters.ErrBadUpstream) && onlyKind(err, adapters.ErrBadUpstream) {
		return err
	}
	return fmt.Errorf("%w: %v", adapters.ErrBadUpstream, err)
}

// onlyKind reports whether err carries no kind other than kind.
func onlyKind(err, kind error) bool {
	for _, k := range kinds {
		if k != kind && errors.Is(err, k) {
			return false
		}
	}
	return true
}
