// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func TestRetryByStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status       int
		wantAttempts int
	}{
		{http.StatusBadGateway, 3},
		{http.StatusServiceUnavailable, 3},
		{http.StatusGatewayTimeout, 3},
		{http.StatusTooManyRequests, 3},
		{http.StatusOK, 1},
		{http.StatusBadRequest, 1},
		{http.StatusNotFound, 1},
		{http.StatusUnprocessableEntity, 1},
		{http.StatusInternalServerError, 1},
		{http.StatusNotImplemented, 1},
		{http.StatusInsufficientStorage, 1},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeBackend{answer: always(tt.status)}
				b := newTestBackend(t, testPolicy(), f)
				resp, err := post(t.Context(), b, testURL, `{}`)
				if err != nil {
					t.Fatalf("got error %v, want the upstream response", err)
				}
				if resp.StatusCode != tt.status {
					t.Errorf("got status %d, want %d", resp.StatusCode, tt.status)
				}
				if got, want := readClose(t, resp), "status "+http.StatusText(tt.status); got != want {
					t.Errorf("got body %q, want %q (the last response, intact)", got, want)
				}
				if got := f.count(); got != tt.wantAttempts {
					t.Errorf("got %d attempts, want %d", got, tt.wantAttempts)
				}
			})
		})
	}
}

func TestRetryByError(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	tests := []struct {
		name         string
		err          error
		wantAttempts int
	}{
		{"dial refused", dial, 3},
		{"connection reset", reset, 3},
		{"eof before response", io.EOF, 3},
		{"stale pooled connection", errors.New("http: server closed idle connection"), 3},
		{"response header timeout", timeoutErr{}, 3},
		{"broken connection", errors.New("net/http: HTTP/1.x transport connection broken: malformed"), 3},
		{"unknown error", errors.New("tls: handshake failure"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeBackend{answer: failing(tt.err)}
				b := newTestBackend(t, testPolicy(), f)
				resp, err := post(t.Context(), b, testURL, `{}`)
				if resp != nil {
					resp.Body.Close()
					t.Fatalf("got a response, want error %v", tt.err)
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("got error %v, want it to wrap %v", err, tt.err)
				}
				if got := f.count(); got != tt.wantAttempts {
					t.Errorf("got %d attempts, want %d", got, tt.wantAttempts)
				}
			})
		})
	}
}

// timeoutErr is like net/http's "timeout awaiting response headers".
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "net/http: timeout awaiting response headers" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestRetryRecovers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs logBuffer
		f := &fakeBackend{answer: sequence(503, 502, 200)}
		b := newTestBackend(t, testPolicy(), f, func(o *ClientOptions) { o.Logger = logs.logger() })
		resp, err := post(t.Context(), b, testURL, `{"inputs":[]}`)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Errorf("got status %d, want 200", resp.StatusCode)
		}
		bodies := f.responseBodies()
		for i, rb := range bodies[:2] {
			if !rb.closed.Load() {
				t.Errorf("discarded response %d: got body open, want drained and closed", i)
			}
		}
		if bodies[2].closed.Load() {
			t.Error("final response: got body closed, want it left to the caller")
		}
		readClose(t, resp)
		if got := logs.String(); !strings.Contains(got, `level=DEBUG msg="retrying request" backend=test-backend`) ||
			strings.Contains(got, "level=ERROR") || strings.Contains(got, "level=WARN") {
			t.Errorf("got logs %q, want go-retryablehttp's messages at Debug only", got)
		}
		for i, a := range f.seen() {
			if a.body != `{"inputs":[]}` || a.contentLength != int64(len(`{"inputs":[]}`)) {
				t.Errorf("attempt %d: got body %q length %d, want the full body and its length", i, a.body, a.contentLength)
			}
		}
	})
}

// onceReader is a body without GetBody: it cannot be replayed.
type onceReader struct{ io.Reader }

func TestRetryNeedsRewindableBody(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBackend{answer: always(503)}
		b := newTestBackend(t, testPolicy(), f)
		req, _ := http.NewRequestWithContext(t.Context(), "POST", testURL, onceReader{strings.NewReader("stream")})
		resp, err := b.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readClose(t, resp)
		if got := f.count(); got != 1 {
			t.Errorf("got %d attempts, want 1 (a body without GetBody is never retried)", got)
		}
		if got := f.seen()[0].body; got != "stream" {
			t.Errorf("got body %q, want %q", got, "stream")
		}
	})
}

func TestRetryBackoffBounds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := testPolicy()
		p.MaxAttempts, p.BudgetFloor = 7, 1000
		f := &fakeBackend{answer: always(503)}
		b := newTestBackend(t, p, f)
		b.randN = rand.Int64N // real randomness: check the bounds, not the values
		for range 20 {
			resp, err := post(t.Context(), b, testURL, `{}`)
			if err != nil {
				t.Fatal(err)
			}
			readClose(t, resp)
		}
		seen := f.seen()
		for i := 1; i < len(seen); i++ {
			n := (i - 1) % p.MaxAttempts // retry number of attempt i within its request
			if i%p.MaxAttempts == 0 {
				continue // first attempt of the next request
			}
			gap := seen[i].at.Sub(seen[i-1].at)
			if hi := backoffCap(p.BackoffMin, p.BackoffMax, n); gap < 0 || gap > hi {
				t.Errorf("attempt %d: got wait %v, want within [0, %v]", i, gap, hi)
			}
		}
	})
}

func TestRetryWaitsGrowExponentially(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := testPolicy() // 10ms .. 100ms
		p.MaxAttempts = 6
		f := &fakeBackend{answer: always(502)}
		b := newTestBackend(t, p, f) // jitter at the top of its range
		resp, err := post(t.Context(), b, testURL, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		readClose(t, resp)
		want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond,
			80 * time.Millisecond, 100 * time.Millisecond}
		seen := f.seen()
		for i, w := range want {
			if got := seen[i+1].at.Sub(seen[i].at); got != w {
				t.Errorf("wait before retry %d: got %v, want %v", i, got, w)
			}
		}
	})
}

func TestAttemptCounter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := testPolicy()
		p.Breaker.ConsecutiveFailures = 3
		f := &fakeBackend{answer: sequence(503, 503, 200, 500, 500, 500)}
		b := newTestBackend(t, p, f)

		ctx, counter := WithAttemptCounter(t.Context())
		resp, err := post(ctx, b, testURL, `{}`)
		if err != nil {
			t.Fatal(err)
		}
		readClose(t, resp)
		if got := counter.Attempts(); got != 3 {
			t.Errorf("got %d attempts counted, want 3", got)
		}
		if AttemptCounterFrom(ctx) != counter || AttemptCounterFrom(t.Context()) != nil {
			t.Error("AttemptCounterFrom: got the wrong counter")
		}

		for range 3 { // three 500s open the breaker
			resp, err := post(t.Context(), b, testURL, `{}`)
			if err != nil {
				t.Fatal(err)
			}
			readClose(t, resp)
		}
		ctx, counter = WithAttemptCounter(t.Context())
		if _, err := post(ctx, b, testURL, `{}`); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("got error %v, want ErrCircuitOpen", err)
		}
		if got := counter.Attempts(); got != 0 {
			t.Errorf("got %d attempts counted for a fast failure, want 0", got)
		}
	})
}

func TestRetryableHook(t *testing.T) {
	t.Parallel()
	// TorchServe error bodies, PROTOCOLS.md §2.4: a handler exception is a
	// 503 "Prediction failed"; a missing worker is a 503 worth retrying.
	const predictionFailed = "{\n  \"code\": 503,\n  \"type\": \"InternalServerException\",\n  \"message\": \"Prediction failed\"\n}\n"
	const noWorker = "{\n  \"code\": 503,\n  \"type\": \"ServiceUnavailableException\",\n  \"message\": \"Model \\\"m\\\" has no worker to serve inference request. Please use scale workers API to add workers.\"\n}\n"
	handlerError := func(resp *http.Response) (bool, bool) {
		if resp.StatusCode != http.StatusServiceUnavailable {
			return false, false
		}
		head, _ := PeekBody(resp, 512)
		if strings.Contains(string(head), `"Prediction failed"`) {
			return false, true
		}
		return false, false
	}
	tests := []struct {
		name         string
		body         string
		wantAttempts int
		wantFaults   uint32
	}{
		{"prediction failed", predictionFailed, 1, 0},
		{"no worker", noWorker, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeBackend{answer: func(int, *http.Request) (*http.Response, error) {
					return respond(503, http.Header{"Connection": {"close"}}, tt.body), nil
				}}
				b := newTestBackend(t, testPolicy(), f, func(o *ClientOptions) {
					o.Retryable = handlerError
					o.Fault = handlerError
				})
				resp, err := post(t.Context(), b, testURL, `{}`)
				if err != nil {
					t.Fatal(err)
				}
				if got := readClose(t, resp); got != tt.body {
					t.Errorf("got body %q, want it intact after the hook peeked: %q", got, tt.body)
				}
				if got := f.count(); got != tt.wantAttempts {
					t.Errorf("got %d attempts, want %d", got, tt.wantAttempts)
				}
				if got := b.Snapshot().Breakers[0].ConsecutiveFailures; got != tt.wantFaults {
					t.Errorf("got %d breaker faults, want %d", got, tt.wantFaults)
				}
			})
		})
	}
}

// TestFirstRetryLogged: the first attempt is made outside go-retryablehttp;
// its retry is still logged at Debug as go-retryablehttp logs the others,
// and the failed answer is drained and closed before the next attempt.
func TestFirstRetryLogged(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs logBuffer
		f := &fakeBackend{answer: sequence(503, 200)}
		b := newTestBackend(t, testPolicy(), f, func(o *ClientOptions) { o.Logger = logs.logger() })
		resp, err := post(t.Context(), b, testURL, `{"inputs":[]}`)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("got %v, %v; want a 200", resp, err)
		}
		readClose(t, resp)
		if got := logs.String(); strings.Count(got, `level=DEBUG msg="retrying request" backend=test-backend`) != 1 {
			t.Errorf("got logs %q, want one retry at Debug", got)
		}
		if bodies := f.responseBodies(); len(bodies) != 2 || !bodies[0].closed.Load() {
			t.Errorf("got %d answers, the first closed %v; want 2, the first drained and closed", len(bodies), len(bodies) > 0 && bodies[0].closed.Load())
		}
	})
}
