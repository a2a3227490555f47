// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

func TestTransportError(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	live := context.Background()
	urlErr := func(err error) error { return &url.Error{Op: "Post", URL: "http://backend/v2", Err: err} }
	breakerOpen := fmt.Errorf("circuit breaker is open: %w", adapters.ErrUnavailable)
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error
		not  error
	}{
		{"canceled in url error", canceled, urlErr(context.Canceled), context.Canceled, adapters.ErrUnavailable},
		{"canceled reported as reset", canceled, urlErr(errors.New("connection reset by peer")), context.Canceled, adapters.ErrUnavailable},
		{"deadline in url error", expired, urlErr(context.DeadlineExceeded), context.DeadlineExceeded, adapters.ErrUnavailable},
		{"deadline reported as timeout", expired, urlErr(errors.New("net/http: timeout awaiting response headers")), context.DeadlineExceeded, nil},
		{"refused", live, urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}), adapters.ErrUnavailable, nil},
		{"eof before response", live, urlErr(io.EOF), adapters.ErrUnavailable, io.EOF},
		{"attempt timeout while ctx lives", live, urlErr(context.DeadlineExceeded), adapters.ErrUnavailable, context.DeadlineExceeded},
		{"breaker open passes through", live, urlErr(breakerOpen), adapters.ErrUnavailable, nil},
		{"kind passes through unwrapped", live, breakerOpen, adapters.ErrUnavailable, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := TransportError(tt.ctx, tt.err)
			if !errors.Is(err, tt.want) {
				t.Errorf("TransportError(%v) = %v, want %v", tt.err, err, tt.want)
			}
			if tt.not != nil && errors.Is(err, tt.not) {
				t.Errorf("TransportError(%v) = %v, must not be %v", tt.err, err, tt.not)
			}
			if strings.Contains(err.Error(), "http://backend") {
				t.Errorf("TransportError(%v) = %q, must not name the backend URL", tt.err, err)
			}
		})
	}
	if err := TransportError(live, breakerOpen); err != breakerOpen {
		t.Errorf("TransportError(breaker) = %v, want the error itself", err)
	}
}

// TestTransportErrorReal drives real failures through an http.Client.
func TestTransportErrorReal(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		// The server notices a client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(hang) }) // runs first
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	hangup := hangUpServer(t)

	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		cancel  time.Duration
		want    error
	}{
		{"deadline", slow.URL, 50 * time.Millisecond, 0, context.DeadlineExceeded},
		{"cancel", slow.URL, 0, 50 * time.Millisecond, context.Canceled},
		{"refused", closed.URL, 0, 0, adapters.ErrUnavailable},
		{"hang up before response", hangup, 0, 0, adapters.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.timeout > 0 {
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			if tt.cancel > 0 {
				time.AfterFunc(tt.cancel, cancel)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tt.url, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				DrainClose(resp.Body)
				t.Fatalf("Do succeeded with %d, want an error", resp.StatusCode)
			}
			if got := TransportError(ctx, err); !errors.Is(got, tt.want) {
				t.Errorf("TransportError(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

// hangUpServer accepts connections and closes them at once: EOF before any
// response.
func hangUpServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return "http://" + ln.Addr().String()
}
