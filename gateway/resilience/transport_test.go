// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// These tests use a real socket and the real pooled transport, so they run
// outside synctest, in real (short) time.

func TestRealTransportReplaysBody(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%d %v %s", r.ContentLength, r.TransferEncoding, body))
		n := len(seen)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	p := testPolicy()
	p.BackoffMin, p.BackoffMax = time.Millisecond, time.Millisecond
	b, err := NewClient(ClientOptions{Backend: "real", Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	resp, err := post(t.Context(), b, srv.URL+"/v2/models/m/infer", `{"inputs":[1]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := readClose(t, resp); resp.StatusCode != 200 || got != "ok" {
		t.Errorf("got %d %q, want 200 ok", resp.StatusCode, got)
	}
	mu.Lock()
	defer mu.Unlock()
	want := `14 [] {"inputs":[1]}`
	if len(seen) != 2 || seen[0] != want || seen[1] != want {
		t.Errorf("got attempts %q, want two of %q (same body, Content-Length, not chunked)", seen, want)
	}
}

func TestRealTransportAttemptTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	p := testPolicy()
	p.AttemptTimeout, p.MaxAttempts = 50*time.Millisecond, 2
	p.BackoffMin, p.BackoffMax = time.Millisecond, time.Millisecond
	b, err := NewClient(ClientOptions{Backend: "slow", Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Now()
	_, err = post(t.Context(), b, srv.URL, `{}`)
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Errorf("got error %v, want a timeout", err)
	}
	if got := b.Snapshot().Counters.Attempts; got != 2 {
		t.Errorf("got %d attempts, want 2 (a header timeout is retried)", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about 2×50ms", d)
	}
}
