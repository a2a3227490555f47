// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

// bodyServer answers every request with n bytes, with or without a
// Content-Length header, and counts the connections it accepts.
func bodyServer(t *testing.T, n int, withLength bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if withLength {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		_, _ = io.WriteString(w, strings.Repeat("x", n))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func get(t *testing.T, ctx context.Context, c *http.Client, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		size       int
		withLength bool
		limit      int64
		wantErr    bool
	}{
		{"under limit with length", 100, true, 1000, false},
		{"exactly the limit with length", 1000, true, 1000, false},
		{"over limit with length", 1001, true, 1000, true},
		{"under limit chunked", 5000, false, 10000, false},
		{"exactly the limit chunked", 10000, false, 10000, false},
		{"over limit chunked", 10001, false, 10000, true},
		{"empty", 0, true, 10, false},
		{"default limit", 3000, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := bodyServer(t, tt.size, tt.withLength)
			resp := get(t, context.Background(), srv.Client(), srv.URL)
			data, err := ReadBody(resp, tt.limit)
			if tt.wantErr {
				if !errors.Is(err, adapters.ErrBadUpstream) || !strings.Contains(err.Error(), "response exceeds "+strconv.FormatInt(tt.limit, 10)+" bytes") {
					t.Fatalf("ReadBody error = %v, want ErrBadUpstream \"response exceeds %d bytes\"", err, tt.limit)
				}
				return
			}
			if err != nil || len(data) != tt.size {
				t.Fatalf("ReadBody = %d bytes, %v; want %d bytes, nil", len(data), err, tt.size)
			}
		})
	}
}

// TestReadBodyReusesConnection checks that bodies are drained and closed so
// that the next request reuses the keep-alive connection.
func TestReadBodyReusesConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		size  int
		limit int64
	}{
		{"read in full", 100, 1000},
		{"slightly over the limit", 2000, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, conns := bodyServer(t, tt.size, false)
			for range 3 {
				_, _ = ReadBody(get(t, context.Background(), srv.Client(), srv.URL), tt.limit)
			}
			if got := conns.Load(); got != 1 {
				t.Errorf("connections = %d, want 1", got)
			}
		})
	}
}

func TestDrainClose(t *testing.T) {
	t.Parallel()
	srv, conns := bodyServer(t, 1000, true)
	for range 3 {
		DrainClose(get(t, context.Background(), srv.Client(), srv.URL).Body)
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1", got)
	}
	DrainClose(nil) // must not panic
}

type failingBody struct{ err error }

func (b failingBody) Read([]byte) (int, error) { return 0, b.err }
func (failingBody) Close() error               { return nil }

func TestReadBodyErrors(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	reqIn := func(ctx context.Context) *http.Request {
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://backend/", nil)
		return r
	}
	tests := []struct {
		name    string
		resp    *http.Response
		want    error
		notWant error
	}{
		{"reset mid body", &http.Response{ContentLength: 10, Body: failingBody{io.ErrUnexpectedEOF}, Request: reqIn(context.Background())},
			adapters.ErrUnavailable, context.Canceled},
		{"canceled while reading", &http.Response{ContentLength: -1, Body: failingBody{errors.New("connection reset")}, Request: reqIn(canceled)},
			context.Canceled, adapters.ErrUnavailable},
		{"canceled reported as such", &http.Response{ContentLength: -1, Body: failingBody{context.Canceled}, Request: reqIn(canceled)},
			context.Canceled, adapters.ErrBadUpstream},
		{"no request", &http.Response{ContentLength: -1, Body: failingBody{io.ErrUnexpectedEOF}},
			adapters.ErrUnavailable, adapters.ErrBadUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadBody(tt.resp, 100)
			if !errors.Is(err, tt.want) {
				t.Errorf("ReadBody error = %v, want %v", err, tt.want)
			}
			if tt.notWant != nil && errors.Is(err, tt.notWant) {
				t.Errorf("ReadBody error = %v, must not be %v", err, tt.notWant)
			}
		})
	}
}
