// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"cmp"
	"slices"
	"sync/atomic"
	"time"
)

// stats are a backend's monotonic counters.
type stats struct {
	attempts, retries, deniedBudget, deniedDeadline, rejected, shed atomic.Int64
}

// Counters are a backend's monotonic counters since NewClient, for metrics.
type Counters struct {
	// Attempts counts round trips started toward the backend.
	Attempts int64 `json:"attempts"`
	// Retries counts attempts that were retries.
	Retries int64 `json:"retries"`
	// RetriesDeniedBudget counts retries refused by the retry budget.
	RetriesDeniedBudget int64 `json:"retries_denied_budget"`
	// RetriesDeniedDeadline counts retries refused because the wait would
	// not leave time before the request's deadline.
	RetriesDeniedDeadline int64 `json:"retries_denied_deadline"`
	// BreakerRejected counts attempts an open breaker failed fast.
	BreakerRejected int64 `json:"breaker_rejected"`
	// Shed counts Infer calls the backend's Limiter shed.
	Shed int64 `json:"shed"`
}

// BreakerState describes one circuit breaker.
type BreakerState struct {
	// Key is the breaker's key; "" is the backend-wide breaker.
	Key string `json:"key"`
	// State is "closed", "half-open" or "open".
	State string `json:"state"`
	// ConsecutiveFailures is the current run of faults (closed state).
	ConsecutiveFailures uint32 `json:"consecutive_failures"`
	// RetryIn is, for an open breaker, the time until it turns half-open.
	RetryIn time.Duration `json:"retry_in_ns,omitempty"`
}

// Snapshot is a point-in-time view of a backend's resilience state, for an
// admin endpoint or metrics collectors.
type Snapshot struct {
	Backend  string         `json:"backend"`
	Breakers []BreakerState `json:"breakers"`
	Budget   BudgetState    `json:"retry_budget"`
	// InFlight is the number of Infer calls admitted by the backend's
	// Limiter (0 when unlimited).
	InFlight int      `json:"in_flight"`
	Counters Counters `json:"counters"`
}

// Snapshot returns the backend's current state. Breakers are sorted by key;
// only breakers that have seen a call exist.
func (b *Backend) Snapshot() Snapshot {
	now := time.Now()
	s := Snapshot{Backend: b.name, Budget: b.budget.state(now), Counters: b.stats.counters()}
	if b.limiter != nil {
		s.InFlight = b.limiter.InFlight()
	}
	for _, br := range b.breakers.all() {
		st := BreakerState{Key: br.key, State: br.cb.State().String(),
			ConsecutiveFailures: br.cb.Counts().ConsecutiveFailures}
		if st.State == "open" {
			st.RetryIn = max(time.Unix(0, br.openUntil.Load()).Sub(now), 0)
		}
		s.Breakers = append(s.Breakers, st)
	}
	slices.SortFunc(s.Breakers, func(x, y BreakerState) int { return cmp.Compare(x.Key, y.Key) })
	return s
}

func (s *stats) counters() Counters {
	return Counters{
		Attempts: s.attempts.Load(), Retries: s.retries.Load(),
		RetriesDeniedBudget: s.deniedBudget.Load(), RetriesDeniedDeadline: s.deniedDeadline.Load(),
		BreakerRejected: s.rejected.Load(), Shed: s.shed.Load(),
	}
}

// all returns the breakers created so far.
func (bs *breakers) all() []*breaker {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := make([]*breaker, 0, len(bs.m))
	for _, br := range bs.m {
		out = append(out, br)
	}
	return out
}
