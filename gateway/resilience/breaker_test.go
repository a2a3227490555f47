// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// breakerPolicy has no retries, so each request is one attempt, and a
// breaker that opens after 3 faults for 10s with 2 half-open probes.
func breakerPolicy() Policy {
	p := testPolicy()
	p.MaxAttempts = 1
	p.Breaker = BreakerPolicy{ConsecutiveFailures: 3, OpenFor: 10 * time.Second, HalfOpenProbes: 2}
	return p
}

// mustStatus posts and checks the status, closing the body.
func mustStatus(t *testing.T, ctx context.Context, b *Backend, url string, want int) {
	t.Helper()
	resp, err := post(ctx, b, url, `{}`)
	if err != nil {
		t.Fatalf("got error %v, want status %d", err, want)
	}
	readClose(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("got status %d, want %d", resp.StatusCode, want)
	}
}

// mustOpen posts and checks the call failed fast on an open breaker.
func mustOpen(t *testing.T, ctx context.Context, b *Backend, url string) *OpenError {
	t.Helper()
	resp, err := post(ctx, b, url, `{}`)
	if resp != nil {
		resp.Body.Close()
	}
	var oe *OpenError
	if !errors.Is(err, ErrCircuitOpen) || !errors.Is(err, adapters.ErrUnavailable) || !errors.As(err, &oe) {
		t.Fatalf("got error %v, want an *OpenError wrapping ErrCircuitOpen and adapters.ErrUnavailable", err)
	}
	return oe
}

func breakerStates(b *Backend) map[string]string {
	m := make(map[string]string)
	for _, s := range b.Snapshot().Breakers {
		m[s.Key] = s.State
	}
	return m
}

func TestBreakerOpensAndFailsFast(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs logBuffer
		f := &fakeBackend{answer: always(500)}
		b := newTestBackend(t, breakerPolicy(), f, func(o *ClientOptions) { o.Logger = logs.logger() })
		for range 3 {
			mustStatus(t, t.Context(), b, testURL, 500)
		}
		time.Sleep(4 * time.Second)
		oe := mustOpen(t, t.Context(), b, testURL)
		if got := f.count(); got != 3 {
			t.Errorf("got %d attempts, want 3 (an open breaker does not call the transport)", got)
		}
		if oe.Wait != 6*time.Second || oe.RetryAfter() != 6*time.Second || oe.HalfOpen {
			t.Errorf("got %+v, want an open breaker with 6s until half-open", oe)
		}
		if msg := oe.Error(); !strings.Contains(msg, `"test-backend"`) || !strings.Contains(msg, "retry in 6s") {
			t.Errorf("got message %q, want the backend named and the retry hint", msg)
		}
		if d, ok := RetryAfter(&adapters.Error{Op: "infer", Err: oe}); !ok || d != 6*time.Second {
			t.Errorf("RetryAfter through an adapter error: got %v %v, want 6s true", d, ok)
		}
		s := b.Snapshot()
		if len(s.Breakers) != 1 || s.Breakers[0].State != "open" || s.Breakers[0].RetryIn != 6*time.Second {
			t.Errorf("got snapshot %+v, want one open breaker, 6s to go", s.Breakers)
		}
		if s.Counters.BreakerRejected != 1 {
			t.Errorf("got %d rejections counted, want 1", s.Counters.BreakerRejected)
		}
		if got := logs.String(); !strings.Contains(got, "level=WARN msg=\"circuit breaker open\" backend=test-backend") {
			t.Errorf("got logs %q, want a warning naming the backend", got)
		}
	})
}

func TestBreakerHalfOpen(t *testing.T) {
	t.Parallel()
	for _, probe := range []struct {
		name      string
		status    int
		wantState string
	}{
		{"probes succeed", 200, "closed"},
		{"probe fails", 503, "open"},
	} {
		t.Run(probe.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				f := &fakeBackend{answer: func(n int, _ *http.Request) (*http.Response, error) {
					if n < 3 {
						return respond(502, nil, ""), nil
					}
					<-release // the probes wait until the test has tried a third call
					return respond(probe.status, nil, ""), nil
				}}
				b := newTestBackend(t, breakerPolicy(), f)
				for range 3 {
					mustStatus(t, t.Context(), b, testURL, 502)
				}
				time.Sleep(10*time.Second + time.Millisecond)
				if got := breakerStates(b)[""]; got != "half-open" {
					t.Fatalf("after open_for: got state %q, want half-open", got)
				}
				var wg sync.WaitGroup
				for range 2 {
					wg.Go(func() { mustStatus(t, t.Context(), b, testURL, probe.status) })
				}
				synctest.Wait() // both probes are in the transport
				if oe := mustOpen(t, t.Context(), b, testURL); !oe.HalfOpen || oe.Wait != time.Second {
					t.Errorf("third call: got %+v, want a half-open rejection, retry in 1s", oe)
				}
				if got := f.count(); got != 5 {
					t.Errorf("got %d attempts, want 5 (3 faults and 2 probes)", got)
				}
				close(release)
				wg.Wait()
				if got := breakerStates(b)[""]; got != probe.wantState {
					t.Errorf("after the probes: got state %q, want %q", got, probe.wantState)
				}
			})
		})
	}
}

func TestBreakerIgnoresClientErrorsAndCancellation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		status := 0 // 0: hang until canceled
		f := &fakeBackend{answer: func(n int, req *http.Request) (*http.Response, error) {
			mu.Lock()
			s := status
			mu.Unlock()
			if s == 0 {
				return hang(n, req)
			}
			return respond(s, nil, ""), nil
		}}
		b := newTestBackend(t, breakerPolicy(), f)
		for range 5 {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(time.Second, cancel)
			if _, err := post(ctx, b, testURL, `{}`); !errors.Is(err, context.Canceled) {
				t.Fatalf("got error %v, want context.Canceled", err)
			}
		}
		for _, s := range []int{400, 404, 422, 501, 500, 500, 404, 500, 500} {
			mu.Lock()
			status = s
			mu.Unlock()
			mustStatus(t, t.Context(), b, testURL, s)
		}
		st := b.Snapshot().Breakers[0]
		if st.State != "closed" || st.ConsecutiveFailures != 2 {
			t.Errorf("got %+v, want closed with 2 consecutive faults (4xx and 501 are successes, cancellations excluded)", st)
		}
		mu.Lock()
		status = 429
		mu.Unlock()
		mustStatus(t, t.Context(), b, testURL, 429)
		if got := breakerStates(b)[""]; got != "open" {
			t.Errorf("after a third fault (429): got %q, want open", got)
		}
	})
}

func TestBreakerStopsRetries(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := breakerPolicy()
		p.MaxAttempts, p.Breaker.ConsecutiveFailures = 5, 2
		f := &fakeBackend{answer: always(503)}
		b := newTestBackend(t, p, f)
		_, err := post(t.Context(), b, testURL, `{}`)
		if !errors.Is(err, ErrCircuitOpen) {
			t.Errorf("got error %v, want ErrCircuitOpen once the breaker opened mid-request", err)
		}
		if got := f.count(); got != 2 {
			t.Errorf("got %d attempts, want 2", got)
		}
		for i, rb := range f.responseBodies() {
			if !rb.closed.Load() {
				t.Errorf("response %d: got body open, want closed", i)
			}
		}
	})
}

func TestBreakerPerModel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBackend{answer: func(_ int, req *http.Request) (*http.Response, error) {
			if strings.Contains(req.URL.Path, "/broken/") {
				return respond(503, nil, ""), nil
			}
			return respond(200, nil, ""), nil
		}}
		b := newTestBackend(t, breakerPolicy(), f, func(o *ClientOptions) { o.BreakerKey = PathSegmentKey(2) })
		broken, healthy := "http://backend.test/v2/models/broken/infer", "http://backend.test/v2/models/iris/infer"
		for range 3 {
			mustStatus(t, t.Context(), b, broken, 503)
		}
		if oe := mustOpen(t, t.Context(), b, broken); oe.Key != "broken" {
			t.Errorf("got key %q, want broken", oe.Key)
		}
		mustStatus(t, t.Context(), b, healthy, 200)
		want := map[string]string{"broken": "open", "iris": "closed"}
		if got := breakerStates(b); len(got) != 2 || got["broken"] != want["broken"] || got["iris"] != want["iris"] {
			t.Errorf("got states %v, want %v", got, want)
		}
	})
}

func TestSnapshotJSON(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBackend{answer: sequence(503, 200)}
		b := newTestBackend(t, testPolicy(), f)
		mustStatus(t, t.Context(), b, testURL, 200)
		data, err := json.Marshal(b.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"backend":"test-backend","breakers":[{"key":"","state":"closed","consecutive_failures":0}],` +
			`"retry_budget":{"requests":1,"retries":1,"available":9},"in_flight":0,` +
			`"counters":{"attempts":2,"retries":1,"retries_denied_budget":0,"retries_denied_deadline":0,"breaker_rejected":0,"shed":0}}`
		if string(data) != want {
			t.Errorf("got %s\nwant %s", data, want)
		}
	})
}

func TestPathSegmentKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		n    int
		want string
	}{
		{"/v2/models/iris/infer", 2, "iris"},
		{"/v2/models/iris/versions/3/infer", 2, "iris"},
		{"/v1/models/half_plus_two:predict", 2, "half_plus_two"},
		{"/predictions/mnist", 1, "mnist"},
		{"/predict", 0, "predict"},
		{"/invocations", 2, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", "http://b.test"+tt.path, nil)
		if got := PathSegmentKey(tt.n)(req); got != tt.want {
			t.Errorf("PathSegmentKey(%d)(%q): got %q, want %q", tt.n, tt.path, got, tt.want)
		}
	}
}
