// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
)

// kinds are the error kinds; classification passes errors carrying one
// through untouched.
var kinds = [...]error{
	adapters.ErrInvalidInput, adapters.ErrModelNotFound, adapters.ErrUnavailable,
	adapters.ErrRateLimited, adapters.ErrModelFailed, adapters.ErrBadUpstream,
	errors.ErrUnsupported,
}

// TransportError classifies an error from http.Client.Do, that is a failure
// that produced no response. ctx is the request's context.
//
//   - If ctx is done the result satisfies errors.Is(err, ctx.Err()), whatever
//     the transport reported (it may say "connection reset" for a cancel).
//   - An error that already carries a kind is returned as it is: the
//     resilience layer's open breaker or full bulkhead wraps
//     adapters.ErrUnavailable.
//   - Anything else — refused or failed dials, resets, EOF before a
//     response, TLS failures, per-attempt timeouts while ctx is still live —
//     wraps adapters.ErrUnavailable: the backend could not answer now, and
//     another target or a later attempt may.
//
// The *url.Error wrapper is dropped: its method and URL add nothing for the
// gateway, and backend URLs have no place in client-facing messages.
func TransportError(ctx context.Context, err error) error {
	if ue, ok := err.(*url.Error); ok { //nolint:errorlint // only the outermost wrapper is dropped
		err = ue.Err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(err, ctxErr) {
			return err
		}
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	if IsKind(err) {
		return err
	}
	// A context error while ctx is live comes from a client-level timeout:
	// an attempt timed out, which is not the caller's deadline.
	return fmt.Errorf("%w: %v", adapters.ErrUnavailable, err)
}
