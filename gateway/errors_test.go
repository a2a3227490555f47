// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// openErr mimics the resilience layer's breaker error: it carries a retry
// hint and wraps ErrUnavailable.
type openErr struct{ wait time.Duration }

func (e openErr) Error() string             { return "backend \"b\": circuit breaker open; retry in 3s" }
func (e openErr) Unwrap() error             { return adapters.ErrUnavailable }
func (e openErr) RetryAfter() time.Duration { return e.wait }

func TestStatusFor(t *testing.T) {
	t.Parallel()
	wrap := func(kind error) error {
		return fmt.Errorf("outer: %w", &adapters.Error{Op: "infer", Backend: "b", Status: 418, Err: kind})
	}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 200},
		{"invalid input", wrap(adapters.ErrInvalidInput), 400},
		{"decode error", fmt.Errorf("%w: inputs[0].shape: want array", adapters.ErrInvalidInput), 400},
		{"model not found", wrap(adapters.ErrModelNotFound), 404},
		{"body too large", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}), 413},
		{"unsupported media type", replyf(errUnsupportedMediaType, "x"), 415},
		{"rate limited", wrap(adapters.ErrRateLimited), 429},
		{"unavailable", wrap(adapters.ErrUnavailable), 503},
		{"breaker open wrapped by adapter", wrap(fmt.Errorf("%w", openErr{})), 503},
		{"unsupported", wrap(errors.ErrUnsupported), 501},
		{"bad upstream", wrap(adapters.ErrBadUpstream), 502},
		{"model failed", wrap(adapters.ErrModelFailed), 500},
		{"deadline", wrap(context.DeadlineExceeded), 504},
		{"deadline beats unavailable", wrap(fmt.Errorf("%w: %w", adapters.ErrUnavailable, context.DeadlineExceeded)), 504},
		{"client gone", wrap(context.Canceled), 499},
		{"echo 405", echo.ErrMethodNotAllowed, 405},
		{"unknown", errors.New("boom"), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := statusFor(tt.err); got != tt.want {
				t.Errorf("statusFor(%v): got %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	ae := func(kind error, ra time.Duration) error {
		return &adapters.Error{Op: "infer", Backend: "b", RetryAfter: ra, Err: kind}
	}
	tests := []struct {
		name   string
		err    error
		status int
		want   time.Duration
	}{
		{"429 with upstream hint", ae(adapters.ErrRateLimited, 3*time.Second), 429, 3 * time.Second},
		{"429 without hint", ae(adapters.ErrRateLimited, 0), 429, 0},
		{"503 with upstream hint", ae(adapters.ErrUnavailable, 7*time.Second), 503, 7 * time.Second},
		{"503 defaults to 1s", ae(adapters.ErrUnavailable, 0), 503, time.Second},
		{"breaker hint inside adapter error", ae(fmt.Errorf("%w", openErr{wait: 4 * time.Second}), 0), 503, 4 * time.Second},
		{"not for 502", ae(adapters.ErrBadUpstream, 3*time.Second), 502, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := retryAfter(tt.err, tt.status); got != tt.want {
				t.Errorf("retryAfter: got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			"upstream message, never the body",
			&adapters.Error{Op: "infer", Backend: "tf", Model: "m", Status: 400, Message: "bad dtype", Err: adapters.ErrInvalidInput},
			`model "iris": backend "tf" rejected the input (upstream 400): bad dtype`,
		},
		{
			"model failed",
			&adapters.Error{Op: "infer", Backend: "mlflow", Model: "m", Status: 400, Message: "ValueError: x", Err: adapters.ErrModelFailed},
			`model "iris" failed: backend "mlflow" (upstream 400): ValueError: x`,
		},
		{
			"transport cause hidden",
			&adapters.Error{Op: "infer", Backend: "b", Model: "m", Err: fmt.Errorf("%w: dial tcp 10.1.2.3:80: connection refused", adapters.ErrUnavailable)},
			`model "iris": backend "b" is unavailable`,
		},
		{
			"breaker verdict shown",
			&adapters.Error{Op: "infer", Backend: "b", Model: "m", Err: fmt.Errorf("%w", openErr{})},
			`model "iris": backend "b" is unavailable: backend "b": circuit breaker open; retry in 3s`,
		},
		{
			"adapter's own validation shown",
			&adapters.Error{Op: "infer", Backend: "b", Model: "m", Err: fmt.Errorf("%w: tensor \"x\": FP16 is not supported", adapters.ErrInvalidInput)},
			`model "iris": backend "b" rejected the input: invalid input: tensor "x": FP16 is not supported`,
		},
		{
			"not found names the backend model",
			&adapters.Error{Op: "infer", Backend: "b", Model: "iris@3", Status: 404, Err: adapters.ErrModelNotFound},
			`model "iris": backend "b" does not serve model "iris@3" (upstream 404)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := describe("iris", tt.err); got != tt.want {
				t.Errorf("describe:\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestHandleErrorCommitted(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "b", Adapter: &fake{}}))
	rec := httptest.NewRecorder()
	c := g.echo.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	if err := c.String(http.StatusOK, "partial"); err != nil {
		t.Fatal(err)
	}
	g.handleError(adapters.ErrUnavailable, c)
	if rec.Code != 200 || rec.Body.String() != "partial" {
		t.Errorf("after commit: got %d %q, want 200 \"partial\"", rec.Code, rec.Body)
	}
}
