// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"context"
	"sync/atomic"
)

// AttemptCounter counts the upstream attempts made for one gateway request,
// across every backend client and fallback target that sees its context.
// An attempt is a round trip actually started toward a backend: calls
// rejected by an open breaker or a concurrency limit are not attempts.
// It is safe for concurrent use.
type AttemptCounter struct {
	n atomic.Int64
}

// Attempts returns the number of attempts counted so far.
func (c *AttemptCounter) Attempts() int { return int(c.n.Load()) }

func (c *AttemptCounter) add() { c.n.Add(1) }

type counterKey struct{}

// WithAttemptCounter returns a context carrying a new AttemptCounter, and the
// counter. Every client from NewClient increments the counter it finds in a
// request's context once per attempt. The gateway calls it once per
// incoming request and reports Attempts() in the X-Modelgate-Attempts
// response header once the adapter call has returned.
func WithAttemptCounter(ctx context.Context) (context.Context, *AttemptCounter) {
	c := new(AttemptCounter)
	return context.WithValue(ctx, counterKey{}, c), c
}

// AttemptCounterFrom returns the counter carried by ctx, or nil.
func AttemptCounterFrom(ctx context.Context) *AttemptCounter {
	c, _ := ctx.Value(counterKey{}).(*AttemptCounter)
	return c
}
