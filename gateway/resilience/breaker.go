// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelgate/modelgate/adapters"
	"github.com/sony/gobreaker/v2"
)

// ErrCircuitOpen is wrapped by the error of a call that an open (or
// saturated half-open) circuit breaker rejected without contacting the
// backend. It wraps adapters.ErrUnavailable, so adapters and the gateway
// classify it as 503 without knowing that breakers exist.
var ErrCircuitOpen = fmt.Errorf("circuit breaker open: %w", adapters.ErrUnavailable)

// halfOpenWait is the retry hint given while a half-open breaker's probes are
// in flight: their verdict is near.
const halfOpenWait = time.Second

// maxBreakers bounds the breakers of one backend; further keys share the
// backend-wide breaker (key "").
const maxBreakers = 1024

// OpenError is the error of a call rejected by a circuit breaker. It wraps
// ErrCircuitOpen.
type OpenError struct {
	// Backend is the backend's name; Key is the breaker's key within it, or
	// "" for the backend-wide breaker.
	Backend, Key string
	// HalfOpen is true when the breaker was half-open with all its probes
	// in flight, false when it was open.
	HalfOpen bool
	// Wait is how long until the breaker admits calls again (for an open
	// breaker, the time until it turns half-open).
	Wait time.Duration
}

// Error names the backend and says when to retry.
func (e *OpenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backend %q", e.Backend)
	if e.Key != "" {
		fmt.Fprintf(&b, " (%q)", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(ErrCircuitOpen.Error())
	if e.HalfOpen {
		b.WriteString(" (half-open, probes in flight)")
	}
	fmt.Fprintf(&b, "; retry in %s", e.Wait.Round(time.Millisecond))
	return b.String()
}

// Unwrap returns ErrCircuitOpen.
func (e *OpenError) Unwrap() error { return ErrCircuitOpen }

// RetryAfter returns Wait; see the package function RetryAfter.
func (e *OpenError) RetryAfter() time.Duration { return e.Wait }

// breaker is one gobreaker two-step breaker and the instant it half-opens.
type breaker struct {
	key       string
	cb        *gobreaker.TwoStepCircuitBreaker[struct{}]
	openUntil atomic.Int64 // UnixNano; valid while open
}

// breakers holds a backend's breakers by key, created on first use.
type breakers struct {
	backend string
	policy  BreakerPolicy
	log     *slog.Logger

	mu sync.Mutex
	m  map[string]*breaker
}

func newBreakers(backend string, p BreakerPolicy, log *slog.Logger) *breakers {
	return &breakers{backend: backend, policy: p, log: log, m: make(map[string]*breaker)}
}

// get returns the breaker for key, creating it if needed.
func (bs *breakers) get(key string) *breaker {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if br, ok := bs.m[key]; ok {
		return br
	}
	if len(bs.m) >= maxBreakers {
		key = ""
		if br, ok := bs.m[key]; ok {
			return br
		}
	}
	br := bs.newBreaker(key)
	bs.m[key] = br
	return br
}

func (bs *breakers) newBreaker(key string) *breaker {
	br := &breaker{key: key}
	name := bs.backend
	if key != "" {
		name += "/" + key
	}
	br.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: bs.policy.HalfOpenProbes,
		Timeout:     bs.policy.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= bs.policy.ConsecutiveFailures
		},
		OnStateChange: func(_ string, from, to gobreaker.State) { bs.stateChanged(br, from, to) },
		IsExcluded:    isExcluded,
	})
	return br
}

// stateChanged runs under the gobreaker's lock: it must not call into cb.
func (bs *breakers) stateChanged(br *breaker, from, to gobreaker.State) {
	level := slog.LevelInfo
	if to == gobreaker.StateOpen {
		level = slog.LevelWarn
		br.openUntil.Store(time.Now().Add(bs.policy.OpenFor).UnixNano())
	}
	bs.log.LogAttrs(context.Background(), level, "circuit breaker "+to.String(),
		slog.String("breaker_key", br.key), slog.String("from", from.String()),
		slog.String("to", to.String()))
}

// isExcluded keeps outcomes that say nothing about the backend's health out
// of the breaker's counts: the caller's cancellation and stale pooled
// connections.
func isExcluded(err error) bool {
	return errors.Is(err, context.Canceled) || isStaleConn(err)
}

// rejection turns a gobreaker refusal into an *OpenError.
func (bs *breakers) rejection(br *breaker, err error) *OpenError {
	e := &OpenError{Backend: bs.backend, Key: br.key, Wait: halfOpenWait}
	if errors.Is(err, gobreaker.ErrTooManyRequests) {
		e.HalfOpen = true
		return e
	}
	e.Wait = max(time.Until(time.Unix(0, br.openUntil.Load())), 0)
	return e
}

// errFault is reported to a breaker for a response that counts as a fault.
var errFault = errors.New("backend fault")

// breakerTransport guards each attempt with the breaker of its key and counts
// attempts. It deliberately does not implement CloseIdleConnections:
// go-retryablehttp calls that after every failed request, which would empty
// the pool exactly when the backend is struggling.
type breakerTransport struct {
	base     http.RoundTripper
	breakers *breakers
	key      func(*http.Request) string // nil: one backend-wide breaker
	fault    func(*http.Response) (bool, bool)
	stats    *stats
	whole    atomic.Pointer[breaker] // the backend-wide breaker, once created
}

// breaker returns the breaker guarding req, without the breakers' lock
// when there is one per backend.
func (t *breakerTransport) breaker(req *http.Request) *breaker {
	if t.key != nil {
		return t.breakers.get(t.key(req))
	}
	if br := t.whole.Load(); br != nil {
		return br
	}
	br := t.breakers.get("")
	t.whole.Store(br)
	return br
}

// RoundTrip implements http.RoundTripper.
func (t *breakerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	br := t.breaker(req)
	done, err := br.cb.Allow()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		t.stats.rejected.Add(1)
		return nil, t.breakers.rejection(br, err)
	}
	if c := AttemptCounterFrom(req.Context()); c != nil {
		c.add()
	}
	t.stats.attempts.Add(1)
	resp, err := t.base.RoundTrip(req)
	done(t.outcome(req, resp, err))
	return resp, err
}

// outcome is what the breaker hears: nil for success, an excluded error for
// a cancellation, any other error for a fault.
func (t *breakerTransport) outcome(req *http.Request, resp *http.Response, err error) error {
	if err != nil {
		if errors.Is(req.Context().Err(), context.Canceled) {
			return context.Canceled
		}
		return err
	}
	if t.fault != nil {
		if fault, ok := t.fault(resp); ok {
			return faultErr(fault)
		}
	}
	return faultErr(isFaultStatus(resp.StatusCode))
}

func faultErr(fault bool) error {
	if fault {
		return errFault
	}
	return nil
}

// PathSegmentKey returns a BreakerKey function that keys breakers by the
// n-th segment (from 0) of the request's URL path, cut at its first ':'.
// That segment is the model for most backends: 2 for OIP
// (/v2/models/{m}/infer) and TF Serving (/v1/models/{m}:predict), 1 for
// TorchServe (/predictions/{m}) and BentoML (/{api}). Requests without that
// segment share the key "".
func PathSegmentKey(n int) func(*http.Request) string {
	return func(r *http.Request) string {
		rest := strings.TrimPrefix(r.URL.Path, "/")
		for i := 0; i < n; i++ {
			var ok bool
			if _, rest, ok = strings.Cut(rest, "/"); !ok {
				return ""
			}
		}
		seg, _, _ := strings.Cut(rest, "/")
		seg, _, _ = strings.Cut(seg, ":")
		return seg
	}
}
