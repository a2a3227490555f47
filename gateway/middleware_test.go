// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
)

// countingHandler is a slog.Handler that enables level and up and counts
// the records it is handed.
type countingHandler struct {
	level   slog.Level
	handled atomic.Int64
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.handled.Add(1)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// middlewareAllocs runs requestID, and logRequests if withLog, around a
// no-op handler with a logger at level, and returns the allocations per
// request and the number of log records written.
func middlewareAllocs(t *testing.T, level slog.Level, withLog bool) (float64, int64) {
	t.Helper()
	h := &countingHandler{level: level}
	g := &Gateway{log: slog.New(h)}
	e := echo.New()
	next := func(c echo.Context) error {
		c.Set(keyRoute, "iris")
		return c.NoContent(http.StatusNoContent)
	}
	if withLog {
		next = g.logRequests(next)
	}
	chain := g.requestID(next)
	req := httptest.NewRequest(http.MethodPost, "/v2/models/iris/infer", http.NoBody)
	req.Header.Set(HeaderRequestID, "req-1")
	rec := httptest.NewRecorder()
	allocs := testing.AllocsPerRun(100, func() {
		c := e.NewContext(req, rec)
		if err := chain(c); err != nil {
			t.Fatal(err)
		}
		if requestIDOf(c) != "req-1" {
			t.Fatal("request ID not carried")
		}
	})
	return allocs, h.handled.Load()
}

func TestLogLineSkippedWhenLevelDisabled(t *testing.T) {
	bareAllocs, _ := middlewareAllocs(t, slog.LevelWarn, false)
	warnAllocs, warnLogged := middlewareAllocs(t, slog.LevelWarn, true)
	infoAllocs, infoLogged := middlewareAllocs(t, slog.LevelInfo, true)
	if warnAllocs != bareAllocs {
		t.Errorf("logger at Warn: got %v allocs per request with logRequests, %v without; want no allocation for the line", warnAllocs, bareAllocs)
	}
	if warnLogged != 0 {
		t.Errorf("logger at Warn: got %d records, want none", warnLogged)
	}
	if infoLogged == 0 {
		t.Error("logger at Info: got no records, want one per request")
	}
	t.Logf("allocs per request: %v at Warn, %v at Info", warnAllocs, infoAllocs)
}

// BenchmarkMiddleware measures requestID and logRequests around a no-op
// handler, with the access-log line written (Info, text to io.Discard) and
// disabled (Warn).
func BenchmarkMiddleware(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		b.Run(level.String(), func(b *testing.B) {
			g := &Gateway{log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))}
			e := echo.New()
			chain := g.requestID(g.logRequests(func(c echo.Context) error {
				c.Set(keyRoute, "iris")
				return c.NoContent(http.StatusNoContent)
			}))
			req := httptest.NewRequest(http.MethodPost, "/v2/models/iris/infer", http.NoBody)
			rec := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				if err := chain(e.NewContext(req, rec)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
