// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// StatusClientClosedRequest is nginx's and Caddy's 499: the client went away
// before the answer was ready.
const StatusClientClosedRequest = 499

// defaultRetryAfter is sent with a 503 when the upstream named no delay.
const defaultRetryAfter = time.Second

// errUnsupportedMediaType marks request bodies of a media type or content
// coding the gateway does not read (415).
var errUnsupportedMediaType = errors.New("unsupported media type")

// reply is an error whose client-facing message has been decided. Unwrap
// yields the cause, which decides the status and goes to the log.
type reply struct {
	msg string
	err error
}

func (r *reply) Error() string { return r.msg }
func (r *reply) Unwrap() error { return r.err }

// replyf builds a reply wrapping cause with a formatted message.
func replyf(cause error, format string, args ...any) *reply {
	return &reply{msg: fmt.Sprintf(format, args...), err: cause}
}

// statusFor maps an error to its HTTP status (STYLE.md §3.4). Context errors
// win over kinds, so a target that reports "unavailable" because the request
// ran out of time still yields 504. ErrModelFailed, a model raising on a
// well-formed request, is 500: the failure is real and not the client's, but
// the upstream did answer coherently, so 502 would blame the wrong party.
func statusFor(err error) int {
	var he *echo.HTTPError
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &he):
		return he.Code
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errUnsupportedMediaType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, context.Canceled):
		return StatusClientClosedRequest
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return statusForKind(err)
}

// statusForKind maps the adapters error kinds.
func statusForKind(err error) int {
	switch {
	case errors.Is(err, adapters.ErrInvalidInput):
		return http.StatusBadRequest
	case errors.Is(err, adapters.ErrModelNotFound):
		return http.StatusNotFound
	case errors.Is(err, adapters.ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, adapters.ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, errors.ErrUnsupported):
		return http.StatusNotImplemented
	case errors.Is(err, adapters.ErrBadUpstream):
		return http.StatusBadGateway
	case errors.Is(err, adapters.ErrModelFailed):
		return http.StatusInternalServerError
	}
	return http.StatusInternalServerError
}

// handleError is the echo HTTPErrorHandler: it writes {"error": "…"} with
// the status statusFor chooses, and Retry-After for 429 and 503. It does
// nothing once the response is committed.
func (g *Gateway) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := statusFor(err)
	if ra := retryAfter(err, status); ra > 0 {
		secs := int64((ra + time.Second - 1) / time.Second)
		c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.Blob(status, echo.MIMEApplicationJSON, errorBody(messageFor(c, err, status)))
}

// retryHint is an error that knows when to try again, such as the
// resilience layer's open-breaker error, even when an adapter wrapped it.
type retryHint interface {
	error
	RetryAfter() time.Duration
}

// retryAfter is the delay to advertise for 429 and 503: a retryHint's in the
// chain, else the *adapters.Error's (the upstream's Retry-After, a full
// limiter's), else defaultRetryAfter for a 503.
func retryAfter(err error, status int) time.Duration {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return 0
	}
	var h retryHint
	if errors.As(err, &h) && h.RetryAfter() > 0 {
		return h.RetryAfter()
	}
	var ae *adapters.Error
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter
	}
	if status == http.StatusServiceUnavailable {
		return defaultRetryAfter
	}
	return 0
}

// messageFor is the client-facing message of err.
func messageFor(c echo.Context, err error, status int) string {
	var r *reply
	var he *echo.HTTPError
	var tooLarge *http.MaxBytesError
	req := c.Request()
	switch {
	case errors.As(err, &r):
		return r.msg
	case errors.As(err, &he) && he.Code == http.StatusNotFound:
		return fmt.Sprintf("no such endpoint: %s %s", req.Method, req.URL.EscapedPath())
	case errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed:
		return fmt.Sprintf("method %s is not allowed on %s", req.Method, req.URL.EscapedPath())
	case errors.As(err, &he):
		return fmt.Sprint(he.Message)
	case errors.As(err, &tooLarge):
		return fmt.Sprintf("request body exceeds %d bytes", tooLarge.Limit)
	case status == http.StatusInternalServerError:
		return fmt.Sprintf("internal error; see the gateway log for request %s", requestIDOf(c))
	}
	return err.Error()
}

// errorBody renders {"error": msg}.
func errorBody(msg string) []byte {
	b, err := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	if err != nil { // cannot happen for a string field
		return []byte(`{"error":"internal error"}`)
	}
	return b
}

// describe words a target's failure for the client, naming the route, the
// backend and the reason. Upstream bodies never appear: only the adapter's
// bounded Message and, for failures the adapter detected itself, its cause.
func describe(routeName string, err error) string {
	if errors.Is(err, adapters.ErrModelFailed) {
		return fmt.Sprintf("model %q failed: %s", routeName, targetDetail(err))
	}
	return fmt.Sprintf("model %q: %s", routeName, targetReason(err))
}

// targetReason phrases a target failure as "backend "x" <reason> (upstream
// N): detail".
func targetReason(err error) string {
	var ae *adapters.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	var what string
	switch {
	case errors.Is(err, adapters.ErrInvalidInput):
		what = "rejected the input"
	case errors.Is(err, adapters.ErrModelNotFound):
		what = fmt.Sprintf("does not serve model %q", ae.Model)
	case errors.Is(err, adapters.ErrRateLimited):
		what = "is rate limiting requests"
	case errors.Is(err, adapters.ErrUnavailable):
		what = "is unavailable"
	case errors.Is(err, errors.ErrUnsupported):
		what = fmt.Sprintf("does not support %s", ae.Op)
	case errors.Is(err, adapters.ErrBadUpstream):
		what = "sent an unusable response"
	default:
		what = fmt.Sprintf("failed unexpectedly during %s", ae.Op)
	}
	return fmt.Sprintf("backend %q %s%s", ae.Backend, what, upstreamDetail(ae))
}

// targetDetail phrases a model failure as "backend "x" (upstream N): detail".
func targetDetail(err error) string {
	var ae *adapters.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	return fmt.Sprintf("backend %q%s", ae.Backend, upstreamDetail(ae))
}

// upstreamDetail is " (upstream N): message", omitting what is unknown. With
// no upstream message it shows a cause the adapter found itself (a bad
// tensor, a malformed answer) or the resilience layer's verdict (breaker
// open, limit full), but not transport causes, which name internal
// addresses.
func upstreamDetail(ae *adapters.Error) string {
	s := ""
	if ae.Status != 0 {
		s = fmt.Sprintf(" (upstream %d)", ae.Status)
	}
	var h retryHint
	switch {
	case ae.Message != "":
		s += ": " + ae.Message
	case ae.Err == nil || isBareKind(ae.Err):
	case errors.As(ae.Err, &h):
		s += ": " + adapters.TrimMessage(h.Error())
	case errors.Is(ae.Err, adapters.ErrUnavailable) && ae.Status == 0 && ae.RetryAfter > 0:
		s += ": " + adapters.TrimMessage(ae.Err.Error()) // a limiter's rejection
	case hasKind(ae.Err) && !errors.Is(ae.Err, adapters.ErrUnavailable) &&
		!errors.Is(ae.Err, context.Canceled) && !errors.Is(ae.Err, context.DeadlineExceeded):
		s += ": " + adapters.TrimMessage(ae.Err.Error())
	}
	return s
}

// hasKind reports whether err wraps one of the error kinds; unclassified
// errors are the gateway log's business, not the client's.
func hasKind(err error) bool {
	return statusForKind(err) != http.StatusInternalServerError || errors.Is(err, adapters.ErrModelFailed)
}

// isBareKind reports whether err is one of the kind sentinels itself, which
// adds nothing to the reason already worded.
func isBareKind(err error) bool {
	switch err { //nolint:errorlint // identity is the point: a wrapped kind carries more text
	case adapters.ErrInvalidInput, adapters.ErrModelNotFound, adapters.ErrUnavailable,
		adapters.ErrRateLimited, adapters.ErrModelFailed, adapters.ErrBadUpstream, errors.ErrUnsupported:
		return true
	}
	return false
}

// logDetail is the full error text for the log line, including causes the
// client does not see.
func logDetail(err error) string {
	var r *reply
	if errors.As(err, &r) && r.err != nil {
		return r.msg + " [" + r.err.Error() + "]"
	}
	return err.Error()
}
