// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testContext checks that o honours its context: done before the call,
// canceled or past its deadline while the backend hangs.
func (s *suite) testContext(t *testing.T, o op) {
	t.Run("canceled before the call", func(t *testing.T) {
		t.Parallel()
		e := s.envFor(t, startHanging(t), model())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		e.checkFailure(t, o.name, o.call(ctx, t, e), context.Canceled)
		e.settle(t, 0)
	})
	t.Run("canceled with a cause", func(t *testing.T) {
		t.Parallel()
		e := s.envFor(t, startHanging(t), model())
		ctx, cancel := context.WithCancelCause(t.Context())
		cancel(errors.New("client went away"))
		e.checkFailure(t, o.name, o.call(ctx, t, e), context.Canceled)
		e.settle(t, 0)
	})
	t.Run("canceled while the backend hangs", func(t *testing.T) {
		t.Parallel()
		up := startHanging(t)
		e := s.envFor(t, up, model())
		ctx, cancel := context.WithCancel(t.Context())
		canceled := make(chan time.Time, 1)
		go func() {
			select {
			case <-up.started:
			case <-time.After(callTimeout):
			}
			canceled <- time.Now()
			cancel()
		}()
		err := o.call(ctx, t, e)
		returned := time.Now()
		e.checkFailure(t, o.name, err, context.Canceled)
		if d := returned.Sub(<-canceled); d > Promptly {
			t.Errorf("%s returned %v after its context was canceled, want within %v", o.name, d, Promptly)
		}
		e.settle(t, 1)
	})
	t.Run("deadline while the backend hangs", func(t *testing.T) {
		t.Parallel()
		e := s.envFor(t, startHanging(t), model())
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		deadline, _ := ctx.Deadline()
		err := o.call(ctx, t, e)
		if d := time.Since(deadline); d > Promptly {
			t.Errorf("%s returned %v after its deadline, want within %v", o.name, d, Promptly)
		}
		e.checkFailure(t, o.name, err, context.DeadlineExceeded)
		if n := e.up.requests.Load(); n > 1 {
			t.Errorf("upstream requests = %d, want at most 1", n)
		}
		if open := e.tr.open.Load(); open != 0 {
			t.Errorf("unclosed response bodies = %d, want 0", open)
		}
	})
}
