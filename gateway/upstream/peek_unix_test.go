// SPDX-License-Identifier: Apache-2.0

//go:build unix && !aix

package upstream

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitPeerSent blocks until bytes or the end of the stream from the server
// have reached the client side nc of a connection, and leaves them unread:
// what the transport finds when it takes the connection from the pool is
// then known, not a race with the loopback device.
func waitPeerSent(t *testing.T, nc net.Conn) {
	t.Helper()
	rc, err := nc.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.SetReadDeadline(time.Now().Add(waitFor)); err != nil {
		t.Fatal(err)
	}
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN // else wait until the socket is readable
	})
	if err != nil {
		t.Fatalf("waiting for the server's bytes or close on the idle connection: %v", err)
	}
	if err := nc.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
}

// idleConns returns the client side of the idle connections of the host
// of rawURL.
func idleConns(tr *Transport, rawURL string) []net.Conn {
	h := pool(tr, rawURL)
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ncs := make([]net.Conn, len(h.idle))
	for i, c := range h.idle {
		ncs[i] = c.nc
	}
	return ncs
}

// TestIdleConnUnsolicited checks a kept-alive connection on which the
// server, while it was idle, wrote an answer nobody asked for (a 408, as
// servers that time idle connections out do), closed it, or both: the next
// request does not use it, and gets its own answer, without error, on a
// new connection; the connection left behind is closed.
func TestIdleConnUnsolicited(t *testing.T) {
	const timeout408 = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	tests := []struct {
		name   string
		write  string // what the server writes on the idle connection
		close  bool   // the server then closes it
		closed bool   // the server sees the client close it
	}{
		{name: "408 then close", write: timeout408, close: true},
		{name: "408 on a connection left open", write: timeout408, closed: true},
		{name: "close", close: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			idleNow := make(chan struct{})
			srv := newRawServer(t, func(c *rawConn, req *request) {
				switch req.URL.Path {
				case "/first":
					c.write(ok)
					select {
					case <-idleNow:
					case <-c.srv.done:
						return
					}
					if tt.write != "" {
						c.write(tt.write)
					}
					if tt.close {
						c.closeNow()
					}
				case "/second":
					c.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
				}
			})
			tr := New(Options{})
			if body := get(t, tr, srv.URL+"/first"); body != "ok" {
				t.Fatalf("first request: body %q, want %q", body, "ok")
			}
			ncs := idleConns(tr, srv.URL)
			if len(ncs) != 1 {
				t.Fatalf("%d idle connections, want 1", len(ncs))
			}
			close(idleNow)
			waitPeerSent(t, ncs[0])

			resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL+"/second", nil))
			if err != nil {
				t.Fatalf("second request: %v (StaleConnError: %v); want it sent on a new connection", err, isStaleErr(err))
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || string(b) != "second" {
				t.Fatalf("second request: %d %q, %v; want 200 %q, its own answer", resp.StatusCode, b, err, "second")
			}
			if n := srv.accepted.Load(); n != 2 {
				t.Errorf("%d connections, want 2", n)
			}
			if got, want := seen(srv.requests()), "/first@1 /second@2"; got != want {
				t.Errorf("the server got %s, want %s", got, want)
			}
			if n := idle(tr, srv.URL); n != 1 {
				t.Errorf("%d idle connections, want 1 (the new one)", n)
			}
			if tt.closed {
				eventually(t, "the server sees the client close the connection it wrote on", func() bool {
					return srv.clientClosed.Load() == 1
				})
			}
		})
	}
}

// TestIdleConnsClosedByServer checks that when the server has closed all
// the idle connections, the next request passes over every one of them and
// succeeds, without error, on a single new connection.
func TestIdleConnsClosedByServer(t *testing.T) {
	checkGoroutines(t)
	const n = 3
	srv, tr := keepIdle(t, n, nil)
	ncs := idleConns(tr, srv.URL)
	if len(ncs) != n {
		t.Fatalf("%d idle connections, want %d", len(ncs), n)
	}
	srv.closeConns() // the backend closes its kept-alive connections
	for _, nc := range ncs {
		waitPeerSent(t, nc)
	}

	req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/after", strings.NewReader("body"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("request after the server closed the idle connections: %v (StaleConnError: %v)", err, isStaleErr(err))
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "ok" {
		t.Fatalf("body %q, %v", b, err)
	}
	if got := srv.accepted.Load(); got != n+1 {
		t.Errorf("%d connections, want %d: one new", got, n+1)
	}
	if reqs := srv.requests(); len(reqs) != n+1 || reqs[n].Conn != n+1 {
		t.Errorf("the server got %s, want /after on connection %d, the new one", seen(reqs), n+1)
	}
	if got := idle(tr, srv.URL); got != 1 {
		t.Errorf("%d idle connections, want 1: the closed ones are gone, the new one kept", got)
	}
}
