// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"net/http"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// genericError is the message BentoML's api_endpoint_wrapper sends for any
// exception from the API's code and for BentoMLExceptions of status 500 and
// above (bentoml/BentoML@32230a52 _bentoml_impl/server/app.py).
const genericError = "An unexpected error has occurred"

// errorShape is which of BentoML's error bodies an answer carried
// (PROTOCOLS.md §4.4).
type errorShape uint8

const (
	shapeOther  errorShape = iota // not JSON: Starlette's plain "Not Found", a proxy's page
	shapeObject                   // {"error": …[, "detail": […]]}: validation, auth, ≥500
	shapeList                     // [{"error": …}]: a BentoMLException with a 4xx code
)

// errorBody is a parsed BentoML error body.
type errorBody struct {
	shape   errorShape
	message string
}

// parseErrorBody reads either of BentoML's error shapes. For a validation
// error it joins "error" and the first "detail" item's loc and msg:
// "1 validation error for Input: x: Field required".
func parseErrorBody(data []byte) errorBody {
	v, err := jsontext.Parse(data)
	if err != nil {
		return errorBody{message: jsonhttp.ErrorMessage(data)}
	}
	switch v.Kind() {
	case jsontext.Array:
		return errorBody{shape: shapeList, message: jsonhttp.ErrorMessage(data)}
	case jsontext.Object:
		b := errorBody{shape: shapeObject, message: v.Get("error").Text()}
		if d := v.Get("detail").Index(0); d != nil {
			b.message = joinMessage(b.message, detailMessage(d))
		}
		if b.message == "" {
			b.message = jsonhttp.ErrorMessage(data)
		}
		return b
	}
	return errorBody{message: jsonhttp.ErrorMessage(data)}
}

// detailMessage renders a pydantic error item as "loc.path: msg".
func detailMessage(d *jsontext.Value) string {
	var loc []string
	for _, p := range d.Get("loc").Elems() {
		loc = append(loc, p.Text())
	}
	msg := d.Get("msg").Text()
	if len(loc) == 0 {
		return msg
	}
	return joinMessage(strings.Join(loc, "."), msg)
}

func joinMessage(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

// classify maps a BentoML error answer to a kind (PROTOCOLS.md §4.4). Where
// BentoML's statuses leave a choice:
//
//   - 400 (pydantic validation, BadInput, InvalidArgument) and every other
//     4xx with the one-element-list body of a BentoMLException raised by
//     the API's code (NotFound included: the route exists, the API refused
//     the input) is ErrInvalidInput.
//   - 404 without that body is Starlette's plain "Not Found": no such route,
//     so the configured API does not exist: ErrModelNotFound.
//   - 401/403 {"error": "Authorization error"} and 405 (a route that is not
//     an API, e.g. a mounted app's GET route) are configuration problems:
//     ErrBadUpstream.
//   - 500 with BentoML's generic message is the API's code raising on this
//     input: ErrModelFailed, not retried (like TorchServe's "Prediction
//     failed"). A 500 without it (Starlette's plain "Internal Server Error",
//     "Multipart response is not supported yet") is ErrBadUpstream.
//   - 504 "Not able to process the request in N seconds" is BentoML's own
//     traffic.timeout expiring: the service is too busy or too slow now, and
//     another target may answer in time: ErrUnavailable (the resilience
//     layer retries 504 by default).
//   - 429 (traffic.max_concurrency) is ErrRateLimited and 503 (overloaded
//     batcher, ServiceUnavailable) ErrUnavailable, as the default table says.
func classify(status int, b errorBody) error {
	switch {
	case status == http.StatusTooManyRequests:
		return adapters.ErrRateLimited
	case status == http.StatusUnauthorized, status == http.StatusForbidden,
		status == http.StatusMethodNotAllowed:
		return adapters.ErrBadUpstream
	case status >= 400 && status < 500 && b.shape == shapeList:
		return adapters.ErrInvalidInput
	case status == http.StatusNotFound:
		return adapters.ErrModelNotFound
	case status == http.StatusInternalServerError:
		if b.shape == shapeObject && strings.HasPrefix(b.message, genericError) {
			return adapters.ErrModelFailed
		}
		return adapters.ErrBadUpstream
	case status == http.StatusGatewayTimeout:
		return adapters.ErrUnavailable
	}
	return jsonhttp.KindForStatus(status)
}

// statusError builds the *adapters.Error for a non-2xx answer.
func (a *Adapter) statusError(call jsonhttp.Call, resp *http.Response, data []byte) *adapters.Error {
	b := parseErrorBody(data)
	e := call.StatusError(resp, data, classify(resp.StatusCode, b))
	if b.message != "" {
		e.Message = adapters.TrimMessage(strings.Join(strings.Fields(b.message), " "))
	}
	switch resp.StatusCode {
	case http.StatusNotFound:
		if b.shape == shapeOther {
			e.Message = "BentoML has no route " + a.route + " (check the target's bentoml.api)"
		}
	case http.StatusMethodNotAllowed:
		e.Message = "BentoML's route " + a.route + " does not take POST: it is not an API"
	}
	return e
}
