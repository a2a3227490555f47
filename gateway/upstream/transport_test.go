// SPDX-License-Identifier: Apache-2.0

package upstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestNewDefaults(t *testing.T) {
	if got := New(Options{}).Options().MaxIdleConnsPerHost; got != DefaultMaxIdleConnsPerHost {
		t.Errorf("MaxIdleConnsPerHost %d, want the default %d", got, DefaultMaxIdleConnsPerHost)
	}
	opts := Options{MaxIdleConnsPerHost: 3, IdleTimeout: time.Minute, ResponseHeaderTimeout: time.Second}
	if got := New(opts).Options(); got.MaxIdleConnsPerHost != 3 || got.IdleTimeout != time.Minute || got.ResponseHeaderTimeout != time.Second {
		t.Errorf("Options() = %+v, want %+v", got, opts)
	}
}

// TestRoundTripHTTPServer makes requests to a net/http server: what the
// handler sees and what the client gets back.
func TestRoundTripHTTPServer(t *testing.T) {
	type seen struct {
		method, uri, host, ua, ctype, custom string
		length                               int64
		body                                 string
	}
	got := make(chan seen, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Host, r.UserAgent(), r.Header.Get("Content-Type"), r.Header.Get("X-Custom"), r.ContentLength, string(b)}
		w.Header().Set("X-Answer", "42")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "answer:"+string(b))
	}))
	defer ts.Close()
	tr := New(Options{})

	req := newRequest(t, context.Background(), http.MethodPost, ts.URL+"/v2/models/m%20x/infer?a=1&b=%26", strings.NewReader("payload"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Custom", "c")
	resp, body := roundTrip(t, tr, req)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Answer") != "42" || body != "answer:payload" {
		t.Errorf("got %d, X-Answer %q, body %q", resp.StatusCode, resp.Header.Get("X-Answer"), body)
	}
	if resp.Request != req {
		t.Error("resp.Request is not the request")
	}
	want := seen{http.MethodPost, "/v2/models/m%20x/infer?a=1&b=%26", ts.Listener.Addr().String(), "modelgate", "application/json", "c", 7, "payload"}
	if s := <-got; s != want {
		t.Errorf("the handler saw %+v, want %+v", s, want)
	}

	req = newRequest(t, context.Background(), http.MethodGet, ts.URL+"/get", nil)
	req.Header.Set("User-Agent", "mine/2")
	roundTrip(t, tr, req)
	if s := <-got; s.ua != "mine/2" || s.length != 0 || s.method != http.MethodGet {
		t.Errorf("the handler saw %+v, want GET with User-Agent mine/2 and no body", s)
	}
}

// TestKeepAliveSequential checks sequential requests share one connection.
func TestKeepAliveSequential(t *testing.T) {
	var newConns atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	tr := New(Options{})
	for i := range 20 {
		msg := "request " + strconv.Itoa(i)
		_, body := roundTrip(t, tr, newRequest(t, context.Background(), http.MethodPost, ts.URL, strings.NewReader(msg)))
		if body != msg {
			t.Fatalf("request %d: body %q, want %q", i, body, msg)
		}
		if n := idle(tr, ts.URL); n != 1 {
			t.Fatalf("after request %d: %d idle connections, want 1", i, n)
		}
	}
	if n := newConns.Load(); n != 1 {
		t.Errorf("20 sequential requests opened %d connections, want 1", n)
	}
}

// TestKeepAliveConcurrent checks concurrent requests open a connection
// each and that at most MaxIdleConnsPerHost stay idle afterwards.
func TestKeepAliveConcurrent(t *testing.T) {
	const n, maxIdle = 8, 3
	srv, tr := burst(t, n, Options{MaxIdleConnsPerHost: maxIdle}, nil)
	if got := idle(tr, srv.URL); got != maxIdle {
		t.Errorf("%d idle connections, want MaxIdleConnsPerHost=%d", got, maxIdle)
	}
	eventually(t, "the server sees the connections beyond the idle pool closed", func() bool {
		return srv.clientClosed.Load() == n-maxIdle
	})
	// The kept connections serve the next requests.
	for range maxIdle + 2 {
		get(t, tr, srv.URL+"/after")
	}
	if got := srv.accepted.Load(); got != n {
		t.Errorf("requests after the burst opened %d new connections, want none", got-n)
	}
}

// TestNoIdlePool checks a negative MaxIdleConnsPerHost keeps nothing.
func TestNoIdlePool(t *testing.T) {
	srv := newRawServer(t, answerOK)
	tr := New(Options{MaxIdleConnsPerHost: -1})
	for range 3 {
		get(t, tr, srv.URL)
		if n := idle(tr, srv.URL); n != 0 {
			t.Fatalf("%d idle connections, want 0", n)
		}
	}
	eventually(t, "the server sees every connection closed", func() bool { return srv.clientClosed.Load() == 3 })
	if n := srv.accepted.Load(); n != 3 {
		t.Errorf("%d connections for 3 requests, want 3", n)
	}
}

// TestNotReused checks the cases where a connection must not go back to
// the pool: the client closes it (the server sees it) and the next request
// dials a new one.
func TestNotReused(t *testing.T) {
	tests := []struct {
		name     string
		answer   string // what the server writes; it keeps the connection open
		close    bool   // the client sets req.Close
		header   string // a Connection header the client sets
		readSome int    // > 0: read that many bytes of the body, then close it
	}{
		{name: "body closed before EOF", answer: "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 100000), readSome: 10},
		{name: "body closed unread", answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", readSome: -1},
		{name: "chunked body closed before EOF", answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", readSome: 3},
		{name: "response Connection: close", answer: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"},
		{name: "response Connection: close without body", answer: "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"},
		{name: "HTTP/1.0 response without keep-alive", answer: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{name: "request with Close", answer: ok, close: true},
		{name: "request with a Connection: close header", answer: ok, header: "keep-alive, Close"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			srv := newRawServer(t, func(c *rawConn, req *request) {
				if req.URL.Path == "/next" {
					c.write(ok)
					return
				}
				c.write(tt.answer)
			})
			tr := New(Options{})
			req := newRequest(t, context.Background(), http.MethodGet, srv.URL+"/first", nil)
			req.Close = tt.close
			if tt.header != "" {
				req.Header.Set("Connection", tt.header)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.readSome > 0:
				if _, err := io.ReadFull(resp.Body, make([]byte, tt.readSome)); err != nil {
					t.Fatal(err)
				}
			case tt.readSome == 0:
				if _, err := io.ReadAll(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			if err := resp.Body.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if n := idle(tr, srv.URL); n != 0 {
				t.Errorf("%d idle connections, want 0", n)
			}
			eventually(t, "the server sees the connection closed by the client", func() bool { return srv.clientClosed.Load() == 1 })
			if tt.close && !strings.Contains(string(srv.requests()[0].Raw), "\r\nConnection: close\r\n") {
				t.Errorf("req.Close: no Connection: close in %q", srv.requests()[0].Raw)
			}
			get(t, tr, srv.URL+"/next")
			if n := srv.accepted.Load(); n != 2 {
				t.Errorf("%d connections, want 2: the first was reused", n)
			}
		})
	}
}

// TestBodyUntilClose checks a response delimited by the end of the
// connection is read whole and its connection not kept.
func TestBodyUntilClose(t *testing.T) {
	srv := newRawServer(t, func(c *rawConn, _ *request) {
		c.write("HTTP/1.1 200 OK\r\n\r\nuntil the end")
		c.closeNow()
	})
	tr := New(Options{})
	if body := get(t, tr, srv.URL); body != "until the end" {
		t.Errorf("body %q", body)
	}
	if n := idle(tr, srv.URL); n != 0 {
		t.Errorf("%d idle connections, want 0", n)
	}
}

// TestKept checks answers whose connection is kept: bodiless (204, 304,
// HEAD, Content-Length 0), chunked, preceded by 1xx answers, HTTP/1.0 with
// keep-alive. Each is requested twice and followed by an ordinary request
// on the same connection, which fails if the framing was misread.
func TestKept(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		answer  string
		status  int
		body    string
		trailer string // X-Trailer's value after the body
		noBody  bool   // resp.Body is http.NoBody
	}{
		{name: "chunked", answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", status: 200, body: "hello world"},
		{name: "chunked with trailer", answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: t1\r\n\r\n", status: 200, body: "abc", trailer: "t1"},
		{name: "204", answer: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, noBody: true},
		{name: "304", answer: "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 99\r\n\r\n", status: 304, noBody: true},
		{name: "HEAD", method: http.MethodHead, answer: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", status: 200, noBody: true},
		{name: "Content-Length 0", answer: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200, noBody: true},
		{name: "100 Continue then 200", answer: "HTTP/1.1 100 Continue\r\n\r\n" + ok, status: 200, body: "ok"},
		{name: "103 Early Hints then 200", answer: "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + ok, status: 200, body: "ok"},
		{name: "HTTP/1.0 with keep-alive", answer: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n1.0", status: 200, body: "1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, func(c *rawConn, req *request) {
				if req.URL.Path == "/next" {
					c.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
					return
				}
				c.write(tt.answer)
			})
			tr := New(Options{})
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			for range 2 {
				resp, err := tr.RoundTrip(newRequest(t, context.Background(), method, srv.URL+"/first", nil))
				if err != nil {
					t.Fatal(err)
				}
				if tt.noBody && resp.Body != http.NoBody {
					t.Errorf("resp.Body is %T, want http.NoBody", resp.Body)
				}
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.status || string(b) != tt.body {
					t.Errorf("got %d %q, want %d %q", resp.StatusCode, b, tt.status, tt.body)
				}
				if got := resp.Trailer.Get("X-Trailer"); got != tt.trailer {
					t.Errorf("trailer X-Trailer %q, want %q", got, tt.trailer)
				}
				if n := idle(tr, srv.URL); n != 1 {
					t.Errorf("%d idle connections, want 1", n)
				}
			}
			if body := get(t, tr, srv.URL+"/next"); body != "next" {
				t.Errorf("next request: body %q, want %q", body, "next")
			}
			if n := srv.accepted.Load(); n != 1 {
				t.Errorf("%d connections, want 1", n)
			}
		})
	}
}

// TestSwitchingProtocols checks a 101 answer is an error that closes the
// connection.
func TestSwitchingProtocols(t *testing.T) {
	srv := newRawServer(t, func(c *rawConn, _ *request) {
		c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	})
	tr := New(Options{})
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL, nil))
	if err == nil {
		resp.Body.Close()
		t.Fatal("101 Switching Protocols: no error")
	}
	if isStaleErr(err) {
		t.Errorf("101: got a StaleConnError %v", err)
	}
	eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
}

// TestIdleTimeout checks the pruner closes a connection idle for
// IdleTimeout, not before, and that the next request dials anew.
func TestIdleTimeout(t *testing.T) {
	const timeout = 60 * time.Millisecond
	var closedAt atomic.Int64 // UnixNano when the server saw the close
	srv := newRawServer(t, answerOK)
	tr := New(Options{IdleTimeout: timeout})
	get(t, tr, srv.URL)
	h := pool(tr, srv.URL)
	h.mu.Lock()
	if len(h.idle) != 1 {
		h.mu.Unlock()
		t.Fatalf("%d idle connections, want 1", len(h.idle))
	}
	idleAt := h.idle[0].idleAt
	h.mu.Unlock()
	eventually(t, "the server sees the idle connection closed", func() bool {
		if srv.clientClosed.Load() == 1 {
			closedAt.CompareAndSwap(0, time.Now().UnixNano())
			return true
		}
		return false
	})
	if d := time.Unix(0, closedAt.Load()).Sub(idleAt); d < timeout {
		t.Errorf("the connection was closed %v after it went idle, before IdleTimeout %v", d, timeout)
	}
	if n := h.idleCount(); n != 0 {
		t.Errorf("%d idle connections after the timeout, want 0", n)
	}
	get(t, tr, srv.URL)
	if n := srv.accepted.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (a new one after the timeout)", n)
	}
	eventually(t, "the pruner closes the second connection too", func() bool { return srv.clientClosed.Load() == 2 })
	eventually(t, "the pruner stops", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.timer == nil
	})
}

// TestIdleTimeoutOnGet checks a connection found expired when a request
// takes it is closed, with the others, and a new one dialled.
func TestIdleTimeoutOnGet(t *testing.T) {
	srv := newRawServer(t, answerOK)
	tr := New(Options{IdleTimeout: time.Hour}) // the pruner does not run
	get(t, tr, srv.URL)
	h := pool(tr, srv.URL)
	h.mu.Lock()
	h.idle[0].idleAt = time.Now().Add(-2 * time.Hour)
	h.mu.Unlock()
	get(t, tr, srv.URL)
	if n := srv.accepted.Load(); n != 2 {
		t.Errorf("%d connections, want 2: the expired one was reused", n)
	}
	eventually(t, "the server sees the expired connection closed", func() bool { return srv.clientClosed.Load() == 1 })
	if n := h.idleCount(); n != 1 {
		t.Errorf("%d idle connections, want 1", n)
	}
	tr.CloseIdleConnections()
}

// TestPrune checks the pruner closes the expired connections only, oldest
// first, and rearms itself for the others.
func TestPrune(t *testing.T) {
	h := &host{addr: "test", maxIdle: 4, idleTimeout: time.Hour}
	var peers []net.Conn
	for range 3 {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		h.put(&conn{nc: a})
		peers = append(peers, b)
	}
	defer func() {
		h.mu.Lock()
		if h.timer != nil {
			h.timer.Stop()
		}
		h.mu.Unlock()
	}()
	isClosed := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		return errors.Is(err, io.EOF)
	}
	h.mu.Lock()
	if h.timer == nil {
		t.Fatal("put did not arm the pruner")
	}
	now := time.Now()
	h.idle[0].idleAt = now.Add(-3 * time.Hour)
	h.idle[1].idleAt = now.Add(-time.Hour - time.Second)
	h.idle[2].idleAt = now.Add(-30 * time.Minute)
	h.mu.Unlock()
	h.prune()
	if !isClosed(peers[0]) || !isClosed(peers[1]) {
		t.Error("the expired connections were not closed")
	}
	if isClosed(peers[2]) {
		t.Error("a connection idle for half IdleTimeout was closed")
	}
	if n := h.idleCount(); n != 1 {
		t.Errorf("%d idle connections, want 1", n)
	}
	h.mu.Lock()
	rearmed := h.timer != nil
	h.idle[0].idleAt = now.Add(-2 * time.Hour)
	h.mu.Unlock()
	if !rearmed {
		t.Error("the pruner did not rearm itself for the remaining connection")
	}
	h.prune()
	if !isClosed(peers[2]) {
		t.Error("the last expired connection was not closed")
	}
	h.mu.Lock()
	stopped := h.timer == nil
	h.mu.Unlock()
	if !stopped {
		t.Error("the pruner rearmed itself for an empty pool")
	}
}

// TestStaleConn checks a kept-alive connection that passed the check for a
// close when it was taken from the pool, and that the server closes as the
// request arrives, unanswered (as it does when its idle timeout strikes
// then): the request on it fails with a *StaleConnError, the host's other
// idle connections are closed, and the next request succeeds on a new
// connection. (A connection the server closed while it was idle is not
// used: TestIdleConnsClosedByServer.)
func TestStaleConn(t *testing.T) {
	checkGoroutines(t)
	const n = 3
	srv, tr := keepIdle(t, n, func(c *rawConn, req *request) bool {
		if req.URL.Path != "/stale" {
			return false
		}
		c.closeNow()
		return true
	})

	req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/stale", strings.NewReader("body"))
	resp, err := tr.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a request on a connection the server closed succeeded")
	}
	var stale *StaleConnError
	if !errors.As(err, &stale) {
		t.Fatalf("error %v (%T), want a *StaleConnError", err, err)
	}
	if !strings.Contains(err.Error(), "server closed idle connection") {
		t.Errorf("error %q does not say \"server closed idle connection\"", err)
	}
	if stale.Addr != srv.Host {
		t.Errorf("StaleConnError.Addr %q, want %q", stale.Addr, srv.Host)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Errorf("error %v does not unwrap to EOF, ECONNRESET or EPIPE", err)
	}
	if got := idle(tr, srv.URL); got != 0 {
		t.Errorf("%d idle connections after a stale one, want 0: the others were not closed", got)
	}
	get(t, tr, srv.URL+"/after")
	if got := srv.accepted.Load(); got != n+1 {
		t.Errorf("%d connections, want %d: the request after the stale one did not dial", got, n+1)
	}
}

// TestIdleConnBufferedBytes checks a kept-alive connection on which the
// server sent more than its answer, the excess read into the connection's
// buffer with it (here a 408 in the same segment as the 200, the
// connection left open): the next request does not use it, which would
// read the excess as its answer, and gets its own on a new connection; the
// other is closed.
func TestIdleConnBufferedBytes(t *testing.T) {
	checkGoroutines(t)
	srv := newRawServer(t, func(c *rawConn, req *request) {
		if req.URL.Path == "/first" {
			// One write: the bytes arrive together, and the client's
			// read of the answer takes the 408 into its buffer.
			c.write(ok + "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
			return
		}
		c.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
	})
	tr := New(Options{})
	if body := get(t, tr, srv.URL+"/first"); body != "ok" {
		t.Fatalf("first request: body %q, want %q", body, "ok")
	}
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL+"/second", nil))
	if err != nil {
		t.Fatalf("second request: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || string(b) != "second" {
		t.Fatalf("second request: %d %q, %v; want 200 %q, its own answer", resp.StatusCode, b, err, "second")
	}
	if got, want := seen(srv.requests()), "/first@1 /second@2"; got != want {
		t.Errorf("the server got %s, want %s", got, want)
	}
	eventually(t, "the server sees the client close the first connection", func() bool { return srv.clientClosed.Load() == 1 })
	if n := idle(tr, srv.URL); n != 1 {
		t.Errorf("%d idle connections, want 1 (the new one)", n)
	}
}

// TestFreshConnFailure checks a new connection that fails like a stale one
// (closed before any byte of the answer) is not a StaleConnError: it was
// not idle, so retrying at once is not warranted.
func TestFreshConnFailure(t *testing.T) {
	srv := newRawServer(t, func(c *rawConn, _ *request) { c.closeNow() })
	tr := New(Options{})
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL, nil))
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error from a connection closed without an answer")
	}
	if isStaleErr(err) || strings.Contains(err.Error(), "server closed idle connection") {
		t.Errorf("a fresh connection's failure is reported stale: %v", err)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("error %v, want EOF or ECONNRESET", err)
	}
}

// TestReusedConnFailureAfterFirstByte checks a reused connection that
// fails after the answer began is not a StaleConnError.
func TestReusedConnFailureAfterFirstByte(t *testing.T) {
	srv := newRawServer(t, func(c *rawConn, req *request) {
		if req.URL.Path == "/cut" {
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")
			c.closeNow()
			return
		}
		c.write(ok)
	})
	tr := New(Options{})
	get(t, tr, srv.URL)
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL+"/cut", nil))
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error from a cut answer")
	}
	if isStaleErr(err) {
		t.Errorf("an answer cut after its first byte is reported stale: %v", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if srv.accepted.Load() != 1 {
		t.Fatal("the second request did not reuse the connection")
	}
}

// TestBodyReadError checks a body cut by the backend: Read returns
// io.ErrUnexpectedEOF and the connection is not kept.
func TestBodyReadError(t *testing.T) {
	srv := newRawServer(t, func(c *rawConn, req *request) {
		if req.URL.Path == "/cut" {
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
			c.closeNow()
			return
		}
		c.write(ok)
	})
	tr := New(Options{})
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL+"/cut", nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) || string(b) != "0123456789" {
		t.Errorf("read %q, %v; want the 10 bytes sent and io.ErrUnexpectedEOF", b, err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := idle(tr, srv.URL); n != 0 {
		t.Errorf("%d idle connections, want 0", n)
	}
	get(t, tr, srv.URL)
}

// TestPopMostRecent checks a request takes the most recently used idle
// connection, and that an expired older one does not stop it.
func TestPopMostRecent(t *testing.T) {
	h := &host{addr: "test", maxIdle: 4, idleTimeout: time.Hour}
	var conns []*conn
	for range 3 {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		c := &conn{nc: a}
		h.put(c)
		conns = append(conns, c)
	}
	h.mu.Lock()
	h.timer.Stop()
	conns[0].idleAt = time.Now().Add(-2 * time.Hour)
	h.mu.Unlock()
	for _, want := range []*conn{conns[2], conns[1]} {
		if c, expired := h.pop(); c != want || len(expired) != 0 {
			t.Fatalf("pop: connection %p and %d expired, want %p and none", c, len(expired), want)
		}
	}
	// The last one expired: nothing to reuse, and it is handed back to be
	// closed.
	if c, expired := h.pop(); c != nil || len(expired) != 1 || expired[0] != conns[0] {
		t.Fatalf("pop of an expired connection: %p, %d expired; want nil and it", c, len(expired))
	}
	if c, expired := h.pop(); c != nil || expired != nil {
		t.Fatal("pop of an empty pool returned something")
	}
}

// neverAnswer is a handler that reads requests and answers none but
// /ok; the server then sees the client close the connection.
func neverAnswer(got chan<- struct{}) func(*rawConn, *request) {
	return func(c *rawConn, req *request) {
		if req.URL.Path == "/ok" {
			c.write(ok)
			return
		}
		if got != nil {
			got <- struct{}{}
		}
	}
}

// TestCancelWaitingForHeaders cancels the context while the backend holds
// the answer: the round trip returns promptly with context.Canceled and
// the connection is closed, not reused.
func TestCancelWaitingForHeaders(t *testing.T) {
	for _, reused := range []bool{false, true} {
		t.Run("reused="+strconv.FormatBool(reused), func(t *testing.T) {
			checkGoroutines(t)
			got := make(chan struct{}, 1)
			srv := newRawServer(t, neverAnswer(got))
			tr := New(Options{})
			if reused {
				get(t, tr, srv.URL+"/ok")
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var canceledAt atomic.Int64
			go func() {
				<-got
				canceledAt.Store(time.Now().UnixNano())
				cancel()
			}()
			resp, err := tr.RoundTrip(newRequest(t, ctx, http.MethodPost, srv.URL+"/hold", strings.NewReader("x")))
			returned := time.Now()
			if err == nil {
				resp.Body.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			if isStaleErr(err) {
				t.Errorf("cancellation reported stale: %v", err)
			}
			if d := returned.Sub(time.Unix(0, canceledAt.Load())); d > prompt {
				t.Errorf("returned %v after the cancel", d)
			}
			eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
			if n := idle(tr, srv.URL); n != 0 {
				t.Errorf("%d idle connections, want 0", n)
			}
			get(t, tr, srv.URL+"/ok")
			if n := srv.accepted.Load(); n != 2 {
				t.Errorf("%d connections, want 2: the canceled one was reused", n)
			}
		})
	}
}

// TestCancelReadingBody cancels the context while the body read waits for
// bytes: Read returns context.Canceled and the connection is closed.
func TestCancelReadingBody(t *testing.T) {
	checkGoroutines(t)
	srv := newRawServer(t, func(c *rawConn, req *request) {
		if req.URL.Path == "/ok" {
			c.write(ok)
			return
		}
		c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789") // 990 bytes never come
	})
	tr := New(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := tr.RoundTrip(newRequest(t, ctx, http.MethodGet, srv.URL+"/slow", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	var canceledAt atomic.Int64
	time.AfterFunc(20*time.Millisecond, func() {
		canceledAt.Store(time.Now().UnixNano())
		cancel()
	})
	// Blocks until the cancel.
	_, err = resp.Body.Read(make([]byte, 100))
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("body Read error %v, want context.Canceled", err)
	}
	if d := returned.Sub(time.Unix(0, canceledAt.Load())); canceledAt.Load() == 0 || d > prompt {
		t.Errorf("Read returned %v after the cancel", d)
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
		t.Error("a Read after the cancel succeeded")
	}
	if err := resp.Body.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
	if n := idle(tr, srv.URL); n != 0 {
		t.Errorf("%d idle connections, want 0", n)
	}
	get(t, tr, srv.URL+"/ok")
	if n := srv.accepted.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestCancelWritingBody cancels the context while the request body is
// being written to a backend that does not read it.
func TestCancelWritingBody(t *testing.T) {
	checkGoroutines(t)
	got := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := newLazyRawServer(t, func(c *rawConn, req *request) {
		got <- struct{}{}
		select { // read nothing until the client gave up
		case <-release:
		case <-c.srv.done:
		}
	})
	tr := New(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-got
		time.Sleep(50 * time.Millisecond) // let the socket buffers fill
		cancel()
	}()
	req := newRequest(t, ctx, http.MethodPost, srv.URL+"/upload", lengthless{zeros{}})
	req.ContentLength = 1 << 40 // far more than the socket buffers hold
	resp, err := tr.RoundTrip(req)
	close(release)
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestContextDeadline checks a context deadline while waiting for the
// headers and while reading the body: context.DeadlineExceeded.
func TestContextDeadline(t *testing.T) {
	t.Run("headers", func(t *testing.T) {
		checkGoroutines(t)
		srv := newRawServer(t, neverAnswer(nil))
		tr := New(Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
		defer cancel()
		start := time.Now()
		resp, err := tr.RoundTrip(newRequest(t, ctx, http.MethodGet, srv.URL+"/hold", nil))
		if err == nil {
			resp.Body.Close()
			t.Fatal("no error")
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > prompt {
			t.Errorf("returned after %v", d)
		}
		eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
		if n := idle(tr, srv.URL); n != 0 {
			t.Errorf("%d idle connections, want 0", n)
		}
	})
	t.Run("body", func(t *testing.T) {
		checkGoroutines(t)
		srv := newRawServer(t, func(c *rawConn, _ *request) {
			c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
		})
		tr := New(Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		resp, err := tr.RoundTrip(newRequest(t, ctx, http.MethodGet, srv.URL+"/slow", nil))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("body read error %v, want context.DeadlineExceeded", err)
		}
		if string(b) != "abc" {
			t.Errorf("read %q before the deadline, want %q", b, "abc")
		}
		resp.Body.Close()
		eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
		if n := idle(tr, srv.URL); n != 0 {
			t.Errorf("%d idle connections, want 0", n)
		}
	})
}

// TestCanceledBeforeRoundTrip checks a context canceled before the round
// trip sends nothing: no dial, and an idle connection stays idle, unused.
func TestCanceledBeforeRoundTrip(t *testing.T) {
	checkGoroutines(t)
	srv := newRawServer(t, answerOK)
	tr := New(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := &closeTracker{Reader: strings.NewReader("x")}
	req := newRequest(t, ctx, http.MethodPost, srv.URL+"/canceled", body)
	if resp, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		if err == nil {
			resp.Body.Close()
		}
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if !body.closed.Load() {
		t.Error("the request body was not closed")
	}
	get(t, tr, srv.URL+"/ok")
	req = newRequest(t, ctx, http.MethodPost, srv.URL+"/canceled", strings.NewReader("x"))
	if resp, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		if err == nil {
			resp.Body.Close()
		}
		t.Fatalf("error %v, want context.Canceled", err)
	}
	for _, r := range srv.requests() {
		if r.URL.Path == "/canceled" {
			t.Error("a request whose context was canceled before the round trip reached the server")
		}
	}
	if n := idle(tr, srv.URL); n != 1 {
		t.Errorf("%d idle connections, want 1 (untouched)", n)
	}
	get(t, tr, srv.URL+"/ok")
	if n := srv.accepted.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// lateCancelCtx is a context whose Err turns non-nil while its Done
// channel never closes (so context.AfterFunc never fires). It reproduces
// deterministically the window of a real cancellation in which Err is
// already set and the AfterFunc's function has not started yet (context's
// cancel stores the error before it cancels the children).
type lateCancelCtx struct {
	context.Context
	canceled atomic.Bool
}

func (c *lateCancelCtx) Err() error {
	if c.canceled.Load() {
		return context.Canceled
	}
	return nil
}

// TestCancelRaceAfterHeaders checks that a connection whose deadline the
// round trip moved to the past, because the context ended as the headers
// arrived, is never put back into the pool, where it would fail the next
// request with a timeout.
func TestCancelRaceAfterHeaders(t *testing.T) {
	for _, answer := range []string{
		"HTTP/1.1 204 No Content\r\n\r\n", // released at once (NoBody)
		ok,                                // body buffered with the headers: EOF without touching the connection
	} {
		t.Run(strings.Fields(answer)[1], func(t *testing.T) {
			ctx := &lateCancelCtx{Context: context.Background()}
			srv := newRawServer(t, func(c *rawConn, req *request) {
				if req.URL.Path == "/cancel" {
					ctx.canceled.Store(true)
					c.write(answer)
					return
				}
				c.write(ok)
			})
			tr := New(Options{})
			get(t, tr, srv.URL) // a connection to reuse
			resp, err := tr.RoundTrip(newRequest(t, ctx, http.MethodGet, srv.URL+"/cancel", nil))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if n := idle(tr, srv.URL); n != 0 {
				t.Errorf("%d idle connections, want 0: the aborted connection went back to the pool", n)
			}
			get(t, tr, srv.URL+"/after")
		})
	}
}

// TestResponseHeaderTimeout checks a backend that never answers: the
// error comes after about ResponseHeaderTimeout, matches
// context.DeadlineExceeded, is a net.Error with Timeout, and the
// connection is closed.
func TestResponseHeaderTimeout(t *testing.T) {
	const rht = 80 * time.Millisecond
	for _, reused := range []bool{false, true} {
		t.Run("reused="+strconv.FormatBool(reused), func(t *testing.T) {
			checkGoroutines(t)
			srv := newRawServer(t, neverAnswer(nil))
			tr := New(Options{ResponseHeaderTimeout: rht})
			if reused {
				get(t, tr, srv.URL+"/ok")
			}
			start := time.Now()
			resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL+"/hold", nil))
			elapsed := time.Since(start)
			if err == nil {
				resp.Body.Close()
				t.Fatal("no error")
			}
			if elapsed < rht || elapsed > prompt {
				t.Errorf("error after %v, want about ResponseHeaderTimeout %v", elapsed, rht)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v does not match context.DeadlineExceeded", err)
			}
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				t.Errorf("error %v (%T) is not a net.Error with Timeout", err, err)
			}
			if isStaleErr(err) {
				t.Errorf("a header timeout is reported stale: %v", err)
			}
			eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
			if n := idle(tr, srv.URL); n != 0 {
				t.Errorf("%d idle connections, want 0", n)
			}
		})
	}
	t.Run("through http.Client", func(t *testing.T) {
		srv := newRawServer(t, neverAnswer(nil))
		c := &http.Client{Transport: New(Options{ResponseHeaderTimeout: rht})}
		resp, err := c.Get(srv.URL + "/hold")
		if err == nil {
			resp.Body.Close()
			t.Fatal("no error")
		}
		var ue *url.Error
		if !errors.As(err, &ue) || !ue.Timeout() {
			t.Errorf("error %v: not a url.Error with Timeout", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not match context.DeadlineExceeded", err)
		}
	})
	t.Run("headers cut after the first byte", func(t *testing.T) {
		srv := newRawServer(t, func(c *rawConn, _ *request) { c.write("HTTP/1.1 200 OK\r\nX-Partial: 1") })
		tr := New(Options{ResponseHeaderTimeout: rht})
		start := time.Now()
		resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL, nil))
		if err == nil {
			resp.Body.Close()
			t.Fatal("no error")
		}
		if d := time.Since(start); d > prompt {
			t.Errorf("error after %v", d)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not match context.DeadlineExceeded", err)
		}
	})
}

// TestResponseHeaderTimeoutSlowBody checks ResponseHeaderTimeout does not
// cut a body that takes longer than it, and that 1xx answers and the final
// headers within it are fine.
func TestResponseHeaderTimeoutSlowBody(t *testing.T) {
	const rht = 50 * time.Millisecond
	srv := newRawServer(t, func(c *rawConn, _ *request) {
		c.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		for i := range 4 {
			time.Sleep(rht)
			c.write("1\r\n" + strconv.Itoa(i) + "\r\n")
		}
		c.write("0\r\n\r\n")
	})
	tr := New(Options{ResponseHeaderTimeout: rht})
	for range 2 { // the second on the same connection: its deadline was cleared
		start := time.Now()
		body := get(t, tr, srv.URL)
		if body != "0123" {
			t.Errorf("body %q, want %q", body, "0123")
		}
		if d := time.Since(start); d < 4*rht {
			t.Errorf("the body took %v, not longer than ResponseHeaderTimeout: the test proves nothing", d)
		}
	}
	if n := srv.accepted.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// TestHTTPS checks https:// requests go to the standard transport.
func TestHTTPS(t *testing.T) {
	var tlsSeen atomic.Bool
	var closed atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tlsSeen.Store(r.TLS != nil)
		io.WriteString(w, "secure")
	}))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed.Add(1)
		}
	}
	ts.StartTLS()
	defer ts.Close()
	tr := New(Options{})
	tr.std.TLSClientConfig = ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	if body := get(t, tr, ts.URL+"/s"); body != "secure" {
		t.Errorf("body %q", body)
	}
	if !tlsSeen.Load() {
		t.Error("the request did not arrive over TLS")
	}
	tr.mu.Lock()
	pools := len(tr.hosts)
	tr.mu.Unlock()
	if pools != 0 {
		t.Errorf("an https request made %d pools of its own", pools)
	}
	tr.CloseIdleConnections()
	eventually(t, "CloseIdleConnections closes the standard transport's connections", func() bool { return closed.Load() == 1 })
}

// TestProxy checks http requests that Proxy routes through a proxy go
// through the standard transport to the proxy, in absolute form, and the
// others are served here (Proxy being asked once per host).
func TestProxy(t *testing.T) {
	proxy := newRawServer(t, func(c *rawConn, req *request) {
		c.write("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied")
	})
	direct := newRawServer(t, answerOK)
	proxyURL, _ := url.Parse(proxy.URL)
	var directAsked atomic.Int32
	tr := New(Options{Proxy: func(r *http.Request) (*url.URL, error) {
		if r.URL.Hostname() == "backend.test" {
			return proxyURL, nil
		}
		directAsked.Add(1)
		return nil, nil
	}})
	for range 2 {
		if body := get(t, tr, "http://backend.test/v2/models?x=1"); body != "proxied" {
			t.Errorf("body %q, want %q", body, "proxied")
		}
	}
	reqs := proxy.requests()
	if len(reqs) != 2 {
		t.Fatalf("the proxy got %d requests, want 2", len(reqs))
	}
	if line, _, _ := strings.Cut(string(reqs[0].Raw), "\r\n"); line != "GET http://backend.test/v2/models?x=1 HTTP/1.1" {
		t.Errorf("the proxy got request line %q, want the absolute form", line)
	}
	if h := pool(tr, "http://backend.test/"); h == nil || !h.proxied || h.idleCount() != 0 {
		t.Error("the proxied host is not marked proxied, or has idle connections of its own")
	}
	for range 3 {
		get(t, tr, direct.URL)
	}
	if len(direct.requests()) != 3 || idle(tr, direct.URL) != 1 || direct.accepted.Load() != 1 {
		t.Errorf("the direct host was not served by the pool: %d requests, %d idle, %d connections",
			len(direct.requests()), idle(tr, direct.URL), direct.accepted.Load())
	}
	if n := directAsked.Load(); n != 1 {
		t.Errorf("Proxy asked %d times for the direct host, want once", n)
	}
	if n := len(proxy.requests()); n != 2 {
		t.Errorf("the proxy got %d requests, want 2", n)
	}
}

// TestProxyError checks an error of Proxy fails the request and closes its
// body.
func TestProxyError(t *testing.T) {
	tr := New(Options{Proxy: func(*http.Request) (*url.URL, error) { return nil, errors.New("no proxy today") }})
	body := &closeTracker{Reader: strings.NewReader("x")}
	req := newRequest(t, context.Background(), http.MethodPost, "http://backend.test/", body)
	resp, err := tr.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "no proxy today") {
		t.Errorf("error %v does not carry Proxy's", err)
	}
	if !body.closed.Load() {
		t.Error("the request body was not closed")
	}
}

// TestDialFailure checks a refused connection: an error, not a
// StaleConnError, and the body closed.
func TestDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tr := New(Options{DialTimeout: time.Second})
	body := &closeTracker{Reader: strings.NewReader("x")}
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodPost, "http://"+addr+"/", body))
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error dialling a closed port")
	}
	if isStaleErr(err) {
		t.Errorf("a dial failure is reported stale: %v", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v, want ECONNREFUSED", err)
	}
	if !body.closed.Load() {
		t.Error("the request body was not closed")
	}
}

// TestBadURL checks a nil URL or one without a host is an error that
// closes the request body.
func TestBadURL(t *testing.T) {
	tests := []struct {
		name string
		url  *url.URL
	}{
		{"nil URL", nil},
		{"no host", &url.URL{Scheme: "http", Path: "/v2/models"}},
		{"port only", &url.URL{Scheme: "http", Host: ":8080", Path: "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(Options{})
			body := &closeTracker{Reader: strings.NewReader("x")}
			req := &http.Request{Method: http.MethodPost, URL: tt.url, Header: http.Header{}, Body: body, ContentLength: 1}
			resp, err := tr.RoundTrip(req.WithContext(context.Background()))
			if err == nil {
				resp.Body.Close()
				t.Fatal("no error")
			}
			if !body.closed.Load() {
				t.Error("the request body was not closed")
			}
		})
	}
}

// TestCloseIdleConnections checks idle connections are closed (the server
// sees it) and the next request dials.
func TestCloseIdleConnections(t *testing.T) {
	checkGoroutines(t)
	const n = 3
	srv, tr := keepIdle(t, n, nil)
	tr.CloseIdleConnections()
	if got := idle(tr, srv.URL); got != 0 {
		t.Errorf("%d idle connections after CloseIdleConnections", got)
	}
	eventually(t, "the server sees the idle connections closed", func() bool { return srv.clientClosed.Load() == n })
	get(t, tr, srv.URL)
	if got := srv.accepted.Load(); got != n+1 {
		t.Errorf("%d connections, want %d", got, n+1)
	}
}

// TestCloseIdleConnectionsKeepsBusy checks a connection in use is not
// closed by CloseIdleConnections.
func TestCloseIdleConnectionsKeepsBusy(t *testing.T) {
	srv := newRawServer(t, func(c *rawConn, _ *request) {
		c.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab")
		time.Sleep(20 * time.Millisecond)
		c.write("cd")
	})
	tr := New(Options{})
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	tr.CloseIdleConnections()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "abcd" {
		t.Fatalf("body %q, %v", b, err)
	}
	if n := idle(tr, srv.URL); n != 1 {
		t.Errorf("%d idle connections, want 1", n)
	}
}

// TestLargeBodies round-trips 8 MiB each way, with a known length and
// chunked, on one connection.
func TestLargeBodies(t *testing.T) {
	const size = 8 << 20
	var newConns atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("server: reading the body: %v", err)
			return
		}
		if r.URL.Query().Get("length") == "1" {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		}
		w.Write(b)
	}))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	payload := make([]byte, size)
	rand.Read(payload)
	want := sha256.Sum256(payload)
	tr := New(Options{})
	for _, q := range []string{"length=1", "length=0"} {
		for _, chunkedReq := range []bool{false, true} {
			var body io.Reader = bytes.NewReader(payload)
			if chunkedReq {
				body = lengthless{body}
			}
			resp, got := roundTrip(t, tr, newRequest(t, context.Background(), http.MethodPost, ts.URL+"/echo?"+q, body))
			if resp.StatusCode != http.StatusOK || len(got) != size || sha256.Sum256([]byte(got)) != want {
				t.Errorf("%s, chunked request %v: status %d, %d bytes back, intact %v", q, chunkedReq, resp.StatusCode, len(got), sha256.Sum256([]byte(got)) == want)
			}
		}
	}
	if n := newConns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}
