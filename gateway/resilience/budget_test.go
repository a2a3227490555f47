// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

func TestRetryBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := testPolicy()
		p.BackoffMin, p.BackoffMax = time.Millisecond, time.Millisecond
		p.BudgetRatio, p.BudgetFloor = 0.2, 10
		f := &fakeBackend{answer: always(503)}
		b := newTestBackend(t, p, f)
		const requests = 100
		for range requests {
			resp, err := post(t.Context(), b, testURL, `{}`)
			if err != nil {
				t.Fatal(err)
			}
			readClose(t, resp)
		}
		got := f.count()
		if limit := requests + int(requests*p.BudgetRatio) + p.BudgetFloor; got > limit {
			t.Errorf("got %d attempts, want at most %d (budget)", got, limit)
		}
		if got < requests+p.BudgetFloor {
			t.Errorf("got %d attempts, want at least %d (the floor is always available)", got, requests+p.BudgetFloor)
		}
		if c := b.Snapshot().Counters; c.RetriesDeniedBudget == 0 || c.Attempts != int64(got) {
			t.Errorf("got counters %+v, want denied retries and %d attempts", c, got)
		}

		// The window slides: once it has passed, the floor is available again.
		time.Sleep(p.BudgetWindow)
		before := f.count()
		resp, err := post(t.Context(), b, testURL, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		readClose(t, resp)
		if got := f.count() - before; got != p.MaxAttempts {
			t.Errorf("after the window: got %d attempts, want %d", got, p.MaxAttempts)
		}
	})
}

func TestStaleConnectionBypassesBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := testPolicy()
		p.BudgetRatio, p.BudgetFloor = 0, 0 // no budgeted retries at all
		f := &fakeBackend{answer: func(n int, _ *http.Request) (*http.Response, error) {
			if n == 0 {
				return nil, errors.New("http: server closed idle connection")
			}
			return respond(200, nil, ""), nil
		}}
		b := newTestBackend(t, p, f)
		start := time.Now()
		resp, err := post(t.Context(), b, testURL, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		readClose(t, resp)
		if f.count() != 2 || time.Since(start) != 0 {
			t.Errorf("got %d attempts in %v, want 2 at once", f.count(), time.Since(start))
		}
	})
}

func TestBudget(t *testing.T) {
	t.Parallel()
	b := newBudget(0.5, 2, 10*time.Second)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 4 {
		b.deposit(now)
	}
	granted := 0
	for b.withdraw(now) {
		granted++
	}
	if granted != 4 { // 2 + 0.5×4
		t.Errorf("got %d retries, want 4", granted)
	}
	if s := b.state(now); s != (BudgetState{Requests: 4, Retries: 4, Available: 0}) {
		t.Errorf("got state %+v", s)
	}
	later := now.Add(10 * time.Second)
	if s := b.state(later); s != (BudgetState{Available: 2}) {
		t.Errorf("a window later: got %+v, want empty with the floor available", s)
	}
	half := now.Add(5 * time.Second)
	if b.withdraw(half) {
		t.Error("half a window later: got a retry granted, want none (old entries still count)")
	}
}
