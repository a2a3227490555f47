// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"context"
	"net/http"
)

// Adapter translates uniform requests into one backend's wire protocol and
// its answers back. Implementations are pure translators: each call makes at
// most ONE upstream round trip (retries, breakers and limits belong to the
// resilience layer behind the injected HTTPClient), does not log, and
// returns failures as *Error values that wrap one of the error kinds.
//
// All methods must be safe for concurrent use and must return promptly once
// ctx is done, with an error that satisfies errors.Is(err, ctx.Err()).
type Adapter interface {
	// Infer runs one inference request.
	Infer(ctx context.Context, req *Request) (*Response, error)
	// ModelReady returns nil when the model can serve, an error wrapping
	// ErrModelNotFound when the backend does not know it, and one wrapping
	// ErrUnavailable when it exists but cannot serve yet.
	ModelReady(ctx context.Context, model ModelRef) error
	// ModelMetadata returns the model's signature. Adapters of backends that
	// publish none return an error wrapping errors.ErrUnsupported.
	ModelMetadata(ctx context.Context, model ModelRef) (*ModelMetadata, error)
}

// HTTPClient sends an adapter's round trip. *http.Client satisfies it, and
// so does the gateway's resilient backend client (gateway/resilience),
// which skips http.Client's redirect and header-copying machinery: an
// adapter's request goes to the backend it was built for, never elsewhere.
type HTTPClient interface {
	Do(req *http.Request) (*http.Response, error)
}
