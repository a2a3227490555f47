// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"sync"
	"time"
)

// budgetSlots is the number of slots the budget window is divided into; the
// window slides one slot at a time.
const budgetSlots = 10

// budget is a Finagle-style retry budget: over a sliding window, retries
// may number at most floor + ratio × requests. A dead backend therefore sees
// at most (1+ratio)× the offered load plus floor, instead of MaxAttempts×.
// It is safe for concurrent use.
type budget struct {
	ratio float64
	floor int
	slot  time.Duration

	mu    sync.Mutex
	slots [budgetSlots]budgetSlot
}

type budgetSlot struct {
	epoch             int64 // slot number since the Unix epoch
	requests, retries int
}

func newBudget(ratio float64, floor int, window time.Duration) *budget {
	return &budget{ratio: ratio, floor: floor, slot: max(window/budgetSlots, 1)}
}

// current returns the slot for now, resetting it if it is stale.
// b.mu must be held.
func (b *budget) current(now time.Time) *budgetSlot {
	epoch := now.UnixNano() / int64(b.slot)
	s := &b.slots[epoch%budgetSlots]
	if s.epoch != epoch {
		*s = budgetSlot{epoch: epoch}
	}
	return s
}

// sums returns the requests and retries seen in the window ending now.
// b.mu must be held.
func (b *budget) sums(now time.Time) (requests, retries int) {
	epoch := now.UnixNano() / int64(b.slot)
	for _, s := range b.slots {
		if s.epoch > epoch-budgetSlots && s.epoch <= epoch {
			requests += s.requests
			retries += s.retries
		}
	}
	return requests, retries
}

// deposit records one request.
func (b *budget) deposit(now time.Time) {
	b.mu.Lock()
	b.current(now).requests++
	b.mu.Unlock()
}

// withdraw records one retry and reports true if the budget allows it.
func (b *budget) withdraw(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	requests, retries := b.sums(now)
	if float64(retries+1) > float64(b.floor)+b.ratio*float64(requests) {
		return false
	}
	b.current(now).retries++
	return true
}

// BudgetState is the retry budget's view of its window.
type BudgetState struct {
	// Requests and Retries are the counts seen in the current window.
	Requests int `json:"requests"`
	Retries  int `json:"retries"`
	// Available is how many more retries the budget allows right now.
	Available int `json:"available"`
}

func (b *budget) state(now time.Time) BudgetState {
	b.mu.Lock()
	defer b.mu.Unlock()
	requests, retries := b.sums(now)
	allowed := int(float64(b.floor) + b.ratio*float64(requests))
	return BudgetState{Requests: requests, Retries: retries, Available: max(allowed-retries, 0)}
}
