// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		retryAfter func(now time.Time) string
		wantWait   time.Duration
	}{
		{"503 delay-seconds", 503, func(time.Time) string { return "2" }, 2 * time.Second},
		{"429 delay-seconds", 429, func(time.Time) string { return "1" }, time.Second},
		{"503 http-date", 503, func(now time.Time) string {
			return now.Add(3 * time.Second).UTC().Format(http.TimeFormat)
		}, 3 * time.Second},
		{"shorter than the backoff", 503, func(time.Time) string { return "0" }, 10 * time.Millisecond},
		{"ignored on 502", 502, func(time.Time) string { return "5" }, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeBackend{answer: func(n int, _ *http.Request) (*http.Response, error) {
					if n > 0 {
						return respond(200, nil, ""), nil
					}
					h := http.Header{"Retry-After": {tt.retryAfter(time.Now())}}
					return respond(tt.status, h, ""), nil
				}}
				b := newTestBackend(t, testPolicy(), f)
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				resp, err := post(ctx, b, testURL, `{}`)
				if err != nil {
					t.Fatal(err)
				}
				readClose(t, resp)
				seen := f.seen()
				if len(seen) != 2 {
					t.Fatalf("got %d attempts, want 2", len(seen))
				}
				if got := seen[1].at.Sub(seen[0].at); got != tt.wantWait {
					t.Errorf("got wait %v, want %v", got, tt.wantWait)
				}
			})
		})
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBackend{answer: func(int, *http.Request) (*http.Response, error) {
			return respond(503, http.Header{"Retry-After": {"10"}}, `{"error":"busy"}`), nil
		}}
		b := newTestBackend(t, testPolicy(), f)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		resp, err := post(ctx, b, testURL, `{}`)
		if err != nil {
			t.Fatalf("got error %v, want the last response", err)
		}
		if got := readClose(t, resp); resp.StatusCode != 503 || got != `{"error":"busy"}` {
			t.Errorf("got %d %q, want the upstream 503 and its body", resp.StatusCode, got)
		}
		if got := time.Since(start); got != 0 {
			t.Errorf("got %v spent, want 0 (no sleep past the deadline)", got)
		}
		if got := f.count(); got != 1 {
			t.Errorf("got %d attempts, want 1", got)
		}
		if got := b.Snapshot().Counters.RetriesDeniedDeadline; got != 1 {
			t.Errorf("got %d retries denied by the deadline, want 1", got)
		}
	})
}

func TestBackoffCappedByDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := testPolicy()
		p.BackoffMin, p.BackoffMax, p.MaxAttempts = 80*time.Millisecond, time.Second, 5
		f := &fakeBackend{answer: always(503)}
		b := newTestBackend(t, p, f) // waits 80ms, then 160ms
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		resp, err := post(ctx, b, testURL, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		readClose(t, resp)
		if got := f.count(); got != 2 {
			t.Errorf("got %d attempts, want 2 (the second wait would cross the deadline)", got)
		}
		if got := time.Since(start); got != 80*time.Millisecond {
			t.Errorf("got %v spent, want 80ms", got)
		}
	})
}

func TestDeadlinePropagation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBackend{answer: sequence(503, 200)}
		b := newTestBackend(t, testPolicy(), f)
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		want, _ := ctx.Deadline()
		resp, err := post(ctx, b, testURL, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		readClose(t, resp)
		for i, a := range f.seen() {
			if !a.deadline.Equal(want) {
				t.Errorf("attempt %d: got deadline %v, want the caller's %v", i, a.deadline, want)
			}
		}
	})
}

func TestCancelStopsRetries(t *testing.T) {
	t.Parallel()
	t.Run("during backoff", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			f := &fakeBackend{answer: func(int, *http.Request) (*http.Response, error) {
				return respond(503, http.Header{"Retry-After": {"5"}}, ""), nil
			}}
			b := newTestBackend(t, testPolicy(), f)
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(time.Second, cancel)
			start := time.Now()
			resp, err := post(ctx, b, testURL, `{}`)
			if resp != nil {
				resp.Body.Close()
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got error %v, want context.Canceled", err)
			}
			if got := time.Since(start); got != time.Second {
				t.Errorf("got %v spent, want 1s (the wait ends at the cancellation)", got)
			}
			if got := f.count(); got != 1 {
				t.Errorf("got %d attempts, want 1", got)
			}
			if !f.responseBodies()[0].closed.Load() {
				t.Error("got the discarded 503 body open, want closed")
			}
		})
	})
	t.Run("deadline during an attempt", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			f := &fakeBackend{answer: hang}
			b := newTestBackend(t, testPolicy(), f)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			_, err := post(ctx, b, testURL, `{}`)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got error %v, want context.DeadlineExceeded", err)
			}
			if got := f.count(); got != 1 {
				t.Errorf("got %d attempts, want 1", got)
			}
		})
	})
	t.Run("during an attempt", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			f := &fakeBackend{answer: hang}
			b := newTestBackend(t, testPolicy(), f)
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(time.Second, cancel)
			_, err := post(ctx, b, testURL, `{}`)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got error %v, want context.Canceled", err)
			}
			if got := f.count(); got != 1 {
				t.Errorf("got %d attempts, want 1", got)
			}
		})
	})
}
