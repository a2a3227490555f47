// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Headers the gateway reads or writes.
const (
	// HeaderRequestID carries the request ID, in and out.
	HeaderRequestID = "X-Request-Id"
	// HeaderRequestTimeout is the client's deadline: seconds ("2.5") or a Go
	// duration ("250ms").
	HeaderRequestTimeout = "X-Request-Timeout"
	// HeaderBackend names the backend (target) that answered, or the last
	// one tried when all failed.
	HeaderBackend = "X-Modelgate-Backend"
	// HeaderAttempts is the number of upstream attempts the request made.
	HeaderAttempts = "X-Modelgate-Attempts"
)

// maxRequestIDLen bounds an accepted client X-Request-Id.
const maxRequestIDLen = 128

// Keys of per-request values in the echo context, read by the log line.
const (
	keyRequestID = "modelgate.request_id"
	keyRoute     = "modelgate.route"
	keyBackend   = "modelgate.backend"
	keyAttempts  = "modelgate.attempts"
)

// ctxKey keys the request ID in a context.Context.
type ctxKey struct{}

// RequestID returns the request ID of the gateway request whose adapter
// call ctx belongs to, or "" outside one, for the layers below the gateway
// (adapters, resilience) to log.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// routeEscaped makes echo route on the escaped path, so that path
// parameters are always in escaped form and handlers decode them exactly
// once (echo otherwise routes on the decoded path unless the escaping is
// unusual, and a literal '%' in a name would be decoded twice).
func routeEscaped(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := c.Request().URL
		u.RawPath = u.EscapedPath()
		return next(c)
	}
}

// requestID accepts a sane incoming X-Request-Id or makes one, and sets it
// on the response, the echo context and the request context.
func (g *Gateway) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get(HeaderRequestID)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(HeaderRequestID, id)
		// The echo context keeps it; begin puts it in the context handed to
		// the adapters, sparing every request a copy of the *http.Request.
		c.Set(keyRequestID, id)
		return next(c)
	}
}

// saneRequestID accepts 1 to maxRequestIDLen visible ASCII characters.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	var h [2 * len(b)]byte
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// requestIDOf returns the request ID set by requestID.
func requestIDOf(c echo.Context) string {
	id, _ := c.Get(keyRequestID).(string)
	return id
}

// logRequests writes the response for a handler error, turns a panic into a
// 500, and logs one line per request.
func (g *Gateway) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, compared as net/http does
					panic(p)
				}
				err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
			if err != nil {
				c.Error(err)
			}
			g.logLine(c, time.Since(start), err)
			err = nil
		}()
		return next(c)
	}
}

// logLine logs one finished request and reports it to Options.Observe. The
// log line is built only if the logger takes its level.
func (g *Gateway) logLine(c echo.Context, took time.Duration, err error) {
	r := c.Request()
	status := c.Response().Status
	level := slog.LevelInfo
	if err != nil && status >= 500 && !errors.Is(err, context.Canceled) {
		level = slog.LevelError
	}
	logging := g.log.Enabled(r.Context(), level)
	if !logging && g.opts.Observe == nil {
		return
	}
	routeName, _ := c.Get(keyRoute).(string)
	backend, _ := c.Get(keyBackend).(string)
	attempts, hasAttempts := c.Get(keyAttempts).(int)
	if g.opts.Observe != nil {
		g.opts.Observe(Observation{Method: r.Method, Route: routeName, Protocol: protocolOf(r.URL.Path),
			Backend: backend, Status: status, Attempts: attempts, Duration: took})
	}
	if !logging {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", status),
		slog.Duration("duration", took),
		slog.String("request_id", requestIDOf(c)),
	)
	if routeName != "" {
		attrs = append(attrs, slog.String("route", routeName))
	}
	if backend != "" {
		attrs = append(attrs, slog.String("backend", backend))
	}
	if hasAttempts {
		attrs = append(attrs, slog.Int("attempts", attempts))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", logDetail(err)))
	}
	g.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// protocolOf names the front protocol of a request path: "v1" for TF
// Serving's /v1/ (matched case-insensitively, as TF Serving does), "v2" for
// the Open Inference Protocol's /v2 and /v2/..., "" otherwise.
func protocolOf(path string) string {
	switch {
	case len(path) >= 4 && strings.EqualFold(path[:4], "/v1/"):
		return "v1"
	case path == "/v2" || strings.HasPrefix(path, "/v2/"):
		return "v2"
	}
	return ""
}
