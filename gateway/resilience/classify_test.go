// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// failAfter yields data, then err.
type failAfter struct {
	data string
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestPeekBody(t *testing.T) {
	t.Parallel()
	const body = `{"code": 503, "message": "Prediction failed"}`
	tests := []struct {
		name string
		n    int64
	}{
		{"shorter than the body", 10},
		{"longer than the body", 4096},
		{"exactly the body", int64(len(body))},
	}
	for _, tt := range tests {
		resp := respond(503, nil, body)
		orig := resp.Body.(*trackedBody)
		head, err := PeekBody(resp, tt.n)
		if err != nil || string(head) != body[:min(int(tt.n), len(body))] {
			t.Errorf("%s: got %q %v, want the first %d bytes", tt.name, head, err, tt.n)
		}
		again, _ := PeekBody(resp, tt.n)
		if string(again) != string(head) {
			t.Errorf("%s: second peek got %q, want %q", tt.name, again, head)
		}
		if got := readClose(t, resp); got != body {
			t.Errorf("%s: got body %q after peeking, want %q", tt.name, got, body)
		}
		if !orig.closed.Load() {
			t.Errorf("%s: closing the peeked body did not close the original", tt.name)
		}
	}

	boom := errors.New("connection reset")
	resp := &http.Response{Body: io.NopCloser(&failAfter{data: "par", err: boom})}
	head, err := PeekBody(resp, 10)
	if string(head) != "par" || !errors.Is(err, boom) {
		t.Errorf("read error: got %q %v, want %q and the error", head, err, "par")
	}
	rest, err := io.ReadAll(resp.Body)
	if string(rest) != "par" || !errors.Is(err, boom) {
		t.Errorf("read error: body replays %q %v, want %q then the error", rest, err, "par")
	}
	if head, err := PeekBody(&http.Response{Body: http.NoBody}, 10); head != nil || err != nil {
		t.Errorf("no body: got %q %v, want nothing", head, err)
	}
}

func TestRetryAfterHelper(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		want   time.Duration
		wantOK bool
	}{
		{"plain", errors.New("x"), 0, false},
		{"upstream retry-after", &adapters.Error{RetryAfter: 3 * time.Second, Err: adapters.ErrRateLimited}, 3 * time.Second, true},
		{"open breaker inside", &adapters.Error{Err: errors.Join(adapters.ErrUnavailable, &OpenError{Wait: 2 * time.Second})}, 2 * time.Second, true},
		{"nil", nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := RetryAfter(tt.err)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: got %v %v, want %v %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestOpenErrorMessage(t *testing.T) {
	t.Parallel()
	got := (&OpenError{Backend: "ts", Key: "mnist", HalfOpen: true, Wait: time.Second}).Error()
	want := `backend "ts" ("mnist"): circuit breaker open: unavailable (half-open, probes in flight); retry in 1s`
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !strings.HasPrefix(ErrCircuitOpen.Error(), "circuit breaker open") {
		t.Errorf("ErrCircuitOpen: got %q", ErrCircuitOpen)
	}
}
