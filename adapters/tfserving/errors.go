// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// The operations, as adapters.Error.Op reports them.
const (
	opInfer    = "infer"
	opReady    = "ready"
	opMetadata = "metadata"
)

// Markers of TF Serving error messages that are configuration problems of
// ours, not the client's (core/server_core.cc, http_rest_api_handler.cc).
var (
	msgUnknownLabel     = []byte("Unrecognized servable version label")
	msgUnknownSignature = []byte("not found in signature def")
	// bodyNoSuchPath is FastAPI's answer to a path it has no route for:
	// KServe's V1 protocol, which shares TF Serving's predict and status
	// paths, has no metadata path (PROTOCOLS.md §5). TF Serving's own 404s
	// are {"error": …}.
	bodyNoSuchPath = []byte(`{"detail":"Not Found"}`)
)

// classify maps a TF Serving error answer to an error kind (PROTOCOLS.md
// §1.4). Bodies are {"error": "…"}; statuses come from the TF status code.
// The decisions where a status misleads:
//
//   - 404 from predict or metadata ("Servable not found for request:
//     Latest(m)") is what TF Serving says both for a model it does not
//     know and for one that is still loading or being reloaded
//     (basic_manager.cc answers NotFound whenever the servable is not in
//     the serving map). If this adapter has seen TF Serving know the
//     servable (a status answer listing it in any state, LOADING
//     included; metadata fetched; a predict answered), the 404 is a load,
//     rollout or reload in progress: ErrUnavailable, so that a fallback
//     target or a later attempt can serve. Otherwise it is
//     ErrModelNotFound. The status endpoint's 404 ("Could not find any
//     versions of model m") is authoritative: ErrModelNotFound.
//   - 400 "Unrecognized servable version label: x" and 400 `Serving
//     signature name: "x" not found in signature def` come from our
//     configuration (Options.Label, Options.SignatureName), not from the
//     client's request: the configured servable does not exist, so
//     ErrModelNotFound. Every other 400 (INVALID_ARGUMENT,
//     FAILED_PRECONDITION, OUT_OF_RANGE) is ErrInvalidInput.
//   - A metadata 404 whose body is FastAPI's {"detail":"Not Found"} comes
//     from KServe's V1 protocol, which has no metadata path:
//     errors.ErrUnsupported (the backend publishes no signature), as for
//     other backends without one.
//   - 504 is DEADLINE_EXCEEDED: the request outlived
//     --rest_api_timeout_in_ms (default 30 s) inside TF Serving, which is
//     overload rather than a broken answer. ErrUnavailable, like 503, so
//     that another target may serve it; PROTOCOLS.md counts it retryable.
//
// Everything else follows jsonhttp.KindForStatus: 429 ErrRateLimited, 501
// errors.ErrUnsupported, 503 ErrUnavailable, 500 and other statuses
// ErrBadUpstream. For ModelReady, whose contract has only "not found" and
// "cannot serve", every kind but ErrModelNotFound and ErrRateLimited
// becomes ErrUnavailable.
func classify(op string, status int, body []byte, seen bool) error {
	kind := classifyStatus(op, status, body, seen)
	if op == opReady && kind != adapters.ErrModelNotFound && kind != adapters.ErrRateLimited {
		// The readiness contract: a known model that cannot serve is
		// unavailable, whatever the status said.
		return adapters.ErrUnavailable
	}
	return kind
}

func classifyStatus(op string, status int, body []byte, seen bool) error {
	switch status {
	case http.StatusBadRequest:
		if bytes.Contains(body, msgUnknownLabel) || bytes.Contains(body, msgUnknownSignature) {
			return adapters.ErrModelNotFound
		}
	case http.StatusNotFound:
		if op == opMetadata && bytes.Equal(bytes.TrimSpace(body), bodyNoSuchPath) {
			return errors.ErrUnsupported // a KServe V1 backend: no signature published
		}
		if op != opReady && seen {
			return adapters.ErrUnavailable
		}
	case http.StatusGatewayTimeout:
		return adapters.ErrUnavailable
	}
	return jsonhttp.KindForStatus(status)
}

// statusError builds the *adapters.Error for a non-200 answer.
func (a *Adapter) statusError(call jsonhttp.Call, t target, resp *http.Response, body []byte) *adapters.Error {
	seen := a.state.get(t.key()).seen
	return call.StatusError(resp, body, classify(call.Op, resp.StatusCode, body, seen))
}
