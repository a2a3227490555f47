// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
)

func TestFallback(t *testing.T) {
	t.Parallel()
	type infer = func(context.Context, *adapters.Request) (*adapters.Response, error)
	slowThenDown := func(ctx context.Context, r *adapters.Request) (*adapters.Response, error) {
		<-ctx.Done() // the deadline passes while the first target works
		return nil, &adapters.Error{Op: "infer", Backend: "a", Model: "iris", Err: adapters.ErrUnavailable}
	}
	tests := []struct {
		name      string
		a, b      infer
		timeout   time.Duration
		status    int
		backend   string
		attempts  string
		wantCalls [2]int
		msg       string
	}{
		{name: "first answers", status: 200, backend: "a", attempts: "1", wantCalls: [2]int{1, 0}},
		{name: "unavailable falls back", a: fail("a", 503, adapters.ErrUnavailable, ""),
			status: 200, backend: "b", attempts: "2", wantCalls: [2]int{1, 1}},
		{name: "rate limited falls back", a: fail("a", 429, adapters.ErrRateLimited, ""),
			status: 200, backend: "b", attempts: "2", wantCalls: [2]int{1, 1}},
		{name: "invalid input does not", a: fail("a", 400, adapters.ErrInvalidInput, "bad"),
			status: 400, backend: "a", attempts: "1", wantCalls: [2]int{1, 0}},
		{name: "not found does not", a: fail("a", 404, adapters.ErrModelNotFound, ""),
			status: 404, backend: "a", attempts: "1", wantCalls: [2]int{1, 0}},
		{name: "model failure does not", a: fail("a", 500, adapters.ErrModelFailed, "boom"),
			status: 500, backend: "a", attempts: "1", wantCalls: [2]int{1, 0}},
		{name: "bad upstream does not", a: fail("a", 502, adapters.ErrBadUpstream, ""),
			status: 502, backend: "a", attempts: "1", wantCalls: [2]int{1, 0}},
		{name: "all unavailable", a: fail("a", 503, adapters.ErrUnavailable, "busy"), b: fail("b", 429, adapters.ErrRateLimited, ""),
			status: 429, backend: "b", attempts: "2", wantCalls: [2]int{1, 1},
			msg: `model "iris": backend "b" is rate limiting requests (upstream 429); earlier targets: backend "a" is unavailable (upstream 503): busy`},
		{name: "never after the deadline", a: slowThenDown, timeout: 30 * time.Millisecond,
			status: 504, backend: "a", attempts: "1", wantCalls: [2]int{1, 0},
			msg: `model "iris": deadline exceeded after 30ms (route timeout)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fa, fb := &fake{infer: tt.a}, &fake{infer: tt.b}
			g := newGateway(t, oneRoute(tt.timeout, Target{Backend: "a", Adapter: fa}, Target{Backend: "b", Adapter: fb}))
			rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody)
			wantStatus(t, rec, tt.status, "")
			if got := rec.Result().Header.Get(HeaderBackend); got != tt.backend {
				t.Errorf("%s: got %q, want %q", HeaderBackend, got, tt.backend)
			}
			if got := rec.Result().Header.Get(HeaderAttempts); got != tt.attempts {
				t.Errorf("%s: got %q, want %q", HeaderAttempts, got, tt.attempts)
			}
			if got := [2]int{len(fa.Calls()), len(fb.Calls())}; got != tt.wantCalls {
				t.Errorf("calls to a and b: got %v, want %v", got, tt.wantCalls)
			}
			if tt.msg != "" {
				if got := errorMessage(t, rec); got != tt.msg {
					t.Errorf("error:\ngot  %s\nwant %s", got, tt.msg)
				}
			}
		})
	}
}

// attemptsKey carries the test attempt counter, like the resilience
// layer's.
type attemptsKey struct{}

// TestAttemptsHook checks that Options.Attempts, not the adapter call
// count, feeds X-Modelgate-Attempts, and that adapters see its context.
func TestAttemptsHook(t *testing.T) {
	t.Parallel()
	countingInfer := func(n int) func(context.Context, *adapters.Request) (*adapters.Response, error) {
		return func(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
			c, ok := ctx.Value(attemptsKey{}).(*atomic.Int64)
			if !ok {
				t.Error("adapter context lacks the attempt counter")
				return nil, adapters.ErrBadUpstream
			}
			c.Add(int64(n)) // n upstream attempts: retries inside the client
			if n == 3 {
				return nil, &adapters.Error{Op: "infer", Backend: "a", Status: 503, Err: adapters.ErrUnavailable}
			}
			return &adapters.Response{Outputs: req.Inputs}, nil
		}
	}
	opts := oneRoute(0, Target{Backend: "a", Adapter: &fake{infer: countingInfer(3)}},
		Target{Backend: "b", Adapter: &fake{infer: countingInfer(1)}})
	opts.Attempts = func(ctx context.Context) (context.Context, func() int) {
		c := new(atomic.Int64)
		return context.WithValue(ctx, attemptsKey{}, c), func() int { return int(c.Load()) }
	}
	g := newGateway(t, opts)
	rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody)
	wantStatus(t, rec, 200, "")
	if got := rec.Result().Header.Get(HeaderAttempts); got != "4" {
		t.Errorf("%s: got %q, want \"4\"", HeaderAttempts, got)
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{}}))
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"sane id kept", "abc-123_XYZ.7", true},
		{"128 chars kept", strings.Repeat("a", 128), true},
		{"none generated", "", false},
		{"too long replaced", strings.Repeat("a", 129), false},
		{"space replaced", "a b", false},
		{"control char replaced", "a\x01b", false},
		{"non-ASCII replaced", "идентификатор", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{"/v2/health/live", "/no/such/path", "/v2/models/nope/ready"} {
				rec := do(t, g, "GET", path, "", HeaderRequestID, tt.in)
				got := rec.Result().Header.Get(HeaderRequestID)
				switch {
				case tt.keep && got != tt.in:
					t.Errorf("%s: got %q, want %q", path, got, tt.in)
				case !tt.keep && (len(got) != 32 || strings.Trim(got, "0123456789abcdef") != ""):
					t.Errorf("%s: got %q, want 32 hex digits", path, got)
				}
			}
		})
	}
}

// TestEchoErrorsAreJSON checks echo's own 404 and 405.
func TestEchoErrorsAreJSON(t *testing.T) {
	t.Parallel()
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{}}))
	rec := do(t, g, "GET", "/nope", "")
	wantStatus(t, rec, 404, `{"error":"no such endpoint: GET /nope"}`)
	rec = do(t, g, "PUT", "/v2/health/live", "")
	wantStatus(t, rec, 405, `{"error":"method PUT is not allowed on /v2/health/live"}`)
	if got := rec.Result().Header.Get("Allow"); !strings.Contains(got, "GET") {
		t.Errorf("Allow: got %q, want it to list GET", got)
	}
}

// TestLogLine checks the one line per request and its fields.
func TestLogLine(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	opts := oneRoute(0, Target{Backend: "a", Adapter: &fake{infer: fail("a", 503, adapters.ErrUnavailable, "")}},
		Target{Backend: "b", Adapter: &fake{}})
	opts.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	g := newGateway(t, opts)
	do(t, g, "POST", "/v2/models/iris/infer", inferBody, HeaderRequestID, "log-1")
	do(t, g, "POST", "/v2/models/iris/infer", `{`, HeaderRequestID, "log-2")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log: got %d lines, want 2:\n%s", len(lines), buf.String())
	}
	for i, want := range [][]string{
		{"level=INFO", "method=POST", "path=/v2/models/iris/infer", "status=200", "request_id=log-1", "route=iris", "backend=b", "attempts=2", "duration="},
		{"level=INFO", "status=400", "request_id=log-2", "error="},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("log line %d: got %s, want it to contain %q", i, lines[i], w)
			}
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestObserveAndMetrics checks the metrics hooks: one Observation per
// request, with the route only for known models, and /metrics served by
// Options.Metrics.
func TestObserveAndMetrics(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []Observation
	opts := oneRoute(0, Target{Backend: "a", Adapter: &fake{}})
	opts.Observe = func(o Observation) {
		mu.Lock()
		defer mu.Unlock()
		o.Duration = 0
		got = append(got, o)
	}
	opts.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "modelgate_requests_total 2\n")
	})
	g := newGateway(t, opts)
	do(t, g, "POST", "/v2/models/iris/infer", inferBody)
	do(t, g, "GET", "/v2/models/unknown-name/ready", "")
	rec := do(t, g, "GET", "/metrics", "")
	if rec.Code != 200 || rec.Body.String() != "modelgate_requests_total 2\n" {
		t.Errorf("GET /metrics: got %d %q, want the Metrics handler's answer", rec.Code, rec.Body)
	}
	want := []Observation{
		{Method: "POST", Route: "iris", Protocol: "v2", Backend: "a", Status: 200, Attempts: 1},
		{Method: "GET", Protocol: "v2", Status: 404},
		{Method: "GET", Status: 200},
	}
	mu.Lock()
	defer mu.Unlock()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("observations (-want +got):\n%s", d)
	}
}

// TestPanicIs500 checks that a panicking adapter yields a JSON 500 naming
// the request ID, and a log line with the panic.
func TestPanicIs500(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	opts := oneRoute(0, Target{Backend: "a", Adapter: &fake{infer: func(context.Context, *adapters.Request) (*adapters.Response, error) {
		panic("adapter bug")
	}}})
	opts.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	g := newGateway(t, opts)
	rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody, HeaderRequestID, "p-1")
	wantStatus(t, rec, 500, `{"error":"internal error; see the gateway log for request p-1"}`)
	if log := buf.String(); !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "panic: adapter bug") {
		t.Errorf("log: got %s, want an ERROR line with the panic", log)
	}
}

// TestRequestIDInContext checks that adapters (and the resilience layer's
// logs) can read the request ID from their context.
func TestRequestIDInContext(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 1)
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: &fake{infer: func(ctx context.Context, r *adapters.Request) (*adapters.Response, error) {
		seen <- RequestID(ctx)
		return &adapters.Response{Outputs: r.Inputs}, nil
	}}}))
	do(t, g, "POST", "/v2/models/iris/infer", inferBody, HeaderRequestID, "ctx-1")
	if got := <-seen; got != "ctx-1" {
		t.Errorf("RequestID(ctx) in the adapter: got %q, want \"ctx-1\"", got)
	}
	if got := RequestID(context.Background()); got != "" {
		t.Errorf("RequestID outside a request: got %q, want \"\"", got)
	}
}
