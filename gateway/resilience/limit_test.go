// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// blockingAdapter is a scripted adapter whose Infer waits for release.
type blockingAdapter struct {
	release chan struct{}
	calls   atomic.Int32
	ready   atomic.Int32
}

func (a *blockingAdapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	a.calls.Add(1)
	select {
	case <-a.release:
		return &adapters.Response{ID: req.ID, Model: req.Model}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (a *blockingAdapter) ModelReady(context.Context, adapters.ModelRef) error {
	a.ready.Add(1)
	return nil
}

func (a *blockingAdapter) ModelMetadata(_ context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
	return &adapters.ModelMetadata{Name: m.Name}, nil
}

var irisRequest = &adapters.Request{ID: "r1", Model: adapters.ModelRef{Name: "iris"}}

// wantShed checks err is the Limiter's fast failure.
func wantShed(t *testing.T, err error) {
	t.Helper()
	var ae *adapters.Error
	if !errors.Is(err, ErrOverloaded) || !errors.Is(err, adapters.ErrUnavailable) || !errors.As(err, &ae) {
		t.Fatalf("got error %v, want an *adapters.Error wrapping ErrOverloaded and ErrUnavailable", err)
	}
	if ae.Backend != "tfs" || ae.Model != "iris" || ae.Op != "infer" || ae.RetryAfter != time.Second {
		t.Errorf("got %+v, want backend tfs, model iris, op infer, RetryAfter 1s", ae)
	}
	if d, ok := RetryAfter(err); !ok || d != time.Second {
		t.Errorf("RetryAfter: got %v %v, want 1s true", d, ok)
	}
}

func TestLimitShedsAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		inner := &blockingAdapter{release: make(chan struct{})}
		a := Limit(inner, "tfs", 2)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if _, err := a.Infer(t.Context(), irisRequest); err != nil {
					t.Errorf("admitted call: got error %v", err)
				}
			})
		}
		synctest.Wait() // two calls in flight
		start := time.Now()
		_, err := a.Infer(t.Context(), irisRequest)
		wantShed(t, err)
		if time.Since(start) != 0 || inner.calls.Load() != 2 {
			t.Errorf("got %v waited and %d inner calls, want no wait and 2", time.Since(start), inner.calls.Load())
		}
		if err := a.ModelReady(t.Context(), irisRequest.Model); err != nil || inner.ready.Load() != 1 {
			t.Errorf("ModelReady while saturated: got %v, want it passed through", err)
		}
		if m, err := a.ModelMetadata(t.Context(), irisRequest.Model); err != nil || m.Name != "iris" {
			t.Errorf("ModelMetadata while saturated: got %v %v, want it passed through", m, err)
		}
		close(inner.release)
		wg.Wait()
		if _, err := a.Infer(t.Context(), irisRequest); err != nil {
			t.Errorf("after release: got error %v, want a slot", err)
		}
	})
}

func TestLimitCanceledContext(t *testing.T) {
	t.Parallel()
	inner := &blockingAdapter{release: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Limit(inner, "tfs", 1).Infer(ctx, irisRequest); !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	if inner.calls.Load() != 0 {
		t.Error("got the adapter called, want not")
	}
}

func TestLimitUnlimited(t *testing.T) {
	t.Parallel()
	inner := &blockingAdapter{}
	if got := Limit(inner, "tfs", 0); got != adapters.Adapter(inner) {
		t.Errorf("Limit(max 0): got %T, want the adapter itself", got)
	}
	p := DefaultPolicy()
	p.MaxConcurrency = 0
	b, err := NewClient(ClientOptions{Backend: "tfs", Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Limit(inner); got != adapters.Adapter(inner) {
		t.Errorf("Backend.Limit with MaxConcurrency 0: got %T, want the adapter itself", got)
	}
}

func TestBackendLimitIsShared(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := DefaultPolicy()
		p.MaxConcurrency = 1
		b, err := NewClient(ClientOptions{Backend: "tfs", Policy: p, Transport: rtFunc(nil)})
		if err != nil {
			t.Fatal(err)
		}
		one := &blockingAdapter{release: make(chan struct{})}
		two := &blockingAdapter{release: make(chan struct{})}
		a1, a2 := b.Limit(one), b.Limit(two)
		done := make(chan struct{})
		go func() {
			defer close(done)
			a1.Infer(t.Context(), irisRequest)
		}()
		synctest.Wait()
		_, err = a2.Infer(t.Context(), irisRequest)
		wantShed(t, err)
		if s := b.Snapshot(); s.InFlight != 1 || s.Counters.Shed != 1 {
			t.Errorf("got in flight %d, shed %d, want 1 and 1", s.InFlight, s.Counters.Shed)
		}
		close(one.release)
		<-done
	})
}

func TestNewLimiterRejectsBadMax(t *testing.T) {
	t.Parallel()
	if _, err := NewLimiter("tfs", 0); err == nil {
		t.Error("NewLimiter(0): got nil error, want one")
	}
}
