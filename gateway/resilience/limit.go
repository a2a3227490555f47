// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"context"
	"fmt"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// ErrOverloaded is wrapped by the error of an Infer call that a Limiter shed
// because its backend already had the maximum number of calls in flight. It
// wraps adapters.ErrUnavailable (503).
var ErrOverloaded = fmt.Errorf("concurrency limit reached: %w", adapters.ErrUnavailable)

// shedRetryAfter is the Retry-After hint of a shed call.
const shedRetryAfter = time.Second

// Limiter is a bulkhead: a semaphore bounding the Infer calls in flight to
// one backend, shared by every adapter it wraps. A call over the limit fails
// at once (no queue) with an *adapters.Error wrapping ErrOverloaded, naming
// the backend, with RetryAfter 1s. It is safe for concurrent use.
type Limiter struct {
	backend string
	max     int
	sem     chan struct{}
	stats   *stats
}

// NewLimiter returns a Limiter admitting max concurrent Infer calls to the
// backend named backend; max must be positive.
func NewLimiter(backend string, max int) (*Limiter, error) {
	if max < 1 {
		return nil, fmt.Errorf("resilience: limiter for backend %q: max must be at least 1, got %d", backend, max)
	}
	return &Limiter{backend: backend, max: max, sem: make(chan struct{}, max), stats: new(stats)}, nil
}

// InFlight returns the number of Infer calls currently admitted.
func (l *Limiter) InFlight() int { return len(l.sem) }

// Wrap returns a wrapped by l. Only Infer is limited: ModelReady and
// ModelMetadata pass straight through, so that health checks and metadata
// lookups still answer while inference is saturated.
func (l *Limiter) Wrap(a adapters.Adapter) adapters.Adapter {
	return &limited{next: a, l: l}
}

// Limit wraps a with its own Limiter of max concurrent Infer calls to the
// backend named backend. To share one limit among all the adapters of a
// backend (one per route target), use NewLimiter and Wrap, or
// (*Backend).Limit. A max of 0 or less means unlimited: a is returned as is.
func Limit(a adapters.Adapter, backend string, max int) adapters.Adapter {
	l, err := NewLimiter(backend, max)
	if err != nil {
		return a
	}
	return l.Wrap(a)
}

// limited is an adapter behind a Limiter.
type limited struct {
	next adapters.Adapter
	l    *Limiter
}

// Infer runs the call if a slot is free and fails fast otherwise.
func (a *limited) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case a.l.sem <- struct{}{}:
	default:
		a.l.stats.shed.Add(1)
		return nil, &adapters.Error{
			Op: "infer", Backend: a.l.backend, Model: req.Model.Name, RetryAfter: shedRetryAfter,
			Err: fmt.Errorf("%w (limit %d in flight)", ErrOverloaded, a.l.max),
		}
	}
	defer func() { <-a.l.sem }()
	return a.next.Infer(ctx, req)
}

// ModelReady is not limited.
func (a *limited) ModelReady(ctx context.Context, model adapters.ModelRef) error {
	return a.next.ModelReady(ctx, model)
}

// ModelMetadata is not limited.
func (a *limited) ModelMetadata(ctx context.Context, model adapters.ModelRef) (*adapters.ModelMetadata, error) {
	return a.next.ModelMetadata(ctx, model)
}

var _ adapters.Adapter = (*limited)(nil)
