// SPDX-License-Identifier: Apache-2.0

package upstream

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// waitFor is how long a test waits for something that should happen "at
// once" (a close seen by the server, a goroutine ending) before failing.
// It is generous: the tests run with -race on loaded 2-core machines.
const waitFor = 5 * time.Second

// prompt bounds how long an aborted round trip may take to return.
const prompt = 2 * time.Second

// eventually polls cond until it holds, failing the test after waitFor.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkGoroutines fails the test when, after it and its cleanups (servers
// closed), more goroutines run than before it. Call it first, so that its
// cleanup runs last.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(waitFor)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d goroutines before the test, %d after:\n%s", before, n, buf)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// rawServer is an HTTP/1.1 server on 127.0.0.1 with exact control of the
// bytes on the wire: each accepted connection is served on a goroutine of
// its own that reads requests one by one and calls handle for each, which
// writes whatever bytes it wants (or none).
type rawServer struct {
	URL  string // http://127.0.0.1:port
	Host string // 127.0.0.1:port

	ln     net.Listener
	handle func(c *rawConn, req *request)
	// lazyBody leaves the request body unread for handle (the server
	// drains it after handle returns); otherwise handle gets it read.
	lazyBody bool

	accepted     atomic.Int32 // connections accepted
	clientClosed atomic.Int32 // connections the client closed (EOF, reset)
	connsDone    atomic.Int32 // connections whose serving ended
	bytesRead    atomic.Int64 // bytes received on all connections

	mu    sync.Mutex
	conns []*rawConn
	reqs  []*request
	wg    sync.WaitGroup
	done  chan struct{}
}

// request is a request as the server received it.
type request struct {
	*http.Request
	Conn int    // 1-based number of the connection it came on
	Raw  []byte // exact bytes of head and body (set once the body is read)
	Body []byte // the decoded body (set once read)
}

// rawConn is the server side of one connection.
type rawConn struct {
	net.Conn
	ID  int
	srv *rawServer
	br  *bufio.Reader
	cap bytes.Buffer // bytes read from the connection, for request.Raw

	serverClosed atomic.Bool
}

func newRawServer(t testing.TB, handle func(c *rawConn, req *request)) *rawServer {
	t.Helper()
	return startRawServer(t, handle, false)
}

// newLazyRawServer is newRawServer with lazyBody set.
func newLazyRawServer(t testing.TB, handle func(c *rawConn, req *request)) *rawServer {
	t.Helper()
	return startRawServer(t, handle, true)
}

func startRawServer(t testing.TB, handle func(c *rawConn, req *request), lazyBody bool) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{
		URL:      "http://" + ln.Addr().String(),
		Host:     ln.Addr().String(),
		ln:       ln,
		handle:   handle,
		lazyBody: lazyBody,
		done:     make(chan struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	t.Cleanup(s.close)
	return s
}

func (s *rawServer) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := &rawConn{Conn: nc, ID: int(s.accepted.Add(1)), srv: s}
		c.br = bufio.NewReader(io.TeeReader(countingReader{nc, &s.bytesRead}, &c.cap))
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

// serve reads requests on c until the connection ends; an end the client
// caused (EOF, reset, a request cut short) is counted in clientClosed.
func (s *rawServer) serve(c *rawConn) {
	defer s.wg.Done()
	defer s.connsDone.Add(1)
	defer c.Close()
	for {
		req, err := c.readRequest(s.lazyBody)
		if err != nil {
			if !c.serverClosed.Load() && clientGone(err) {
				s.clientClosed.Add(1)
			}
			return
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		s.handle(c, req)
		if c.serverClosed.Load() {
			return
		}
		if s.lazyBody {
			if _, err := io.Copy(io.Discard, req.Request.Body); err != nil {
				if clientGone(err) {
					s.clientClosed.Add(1)
				}
				return
			}
		}
	}
}

// clientGone reports whether err means the peer closed the connection.
func clientGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// close stops the server: the listener and every connection are closed
// and the serving goroutines waited for.
func (s *rawServer) close() {
	close(s.done)
	s.ln.Close()
	s.closeConns()
	s.wg.Wait()
}

// closeConns closes, server side, every connection accepted so far.
func (s *rawServer) closeConns() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.closeNow()
	}
}

// requests returns the requests received so far.
func (s *rawServer) requests() []*request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*request(nil), s.reqs...)
}

// readRequest reads one request; unless lazy, its body too.
func (c *rawConn) readRequest(lazy bool) (*request, error) {
	// Restart the capture at the first unread byte.
	tail := bytes.Clone(c.cap.Bytes()[c.cap.Len()-c.br.Buffered():])
	c.cap.Reset()
	c.cap.Write(tail)
	hr, err := http.ReadRequest(c.br)
	if err != nil {
		return nil, err
	}
	req := &request{Request: hr, Conn: c.ID}
	if lazy {
		return req, nil
	}
	if err := req.readBody(c); err != nil {
		return nil, err
	}
	return req, nil
}

// readBody reads the request's body and sets Body and Raw.
func (req *request) readBody(c *rawConn) error {
	b, err := io.ReadAll(req.Request.Body)
	if err != nil {
		return err
	}
	req.Body = b
	raw := c.cap.Bytes()
	req.Raw = append([]byte(nil), raw[:len(raw)-c.br.Buffered()]...)
	return nil
}

// write writes s to the connection (errors are the test's to notice).
func (c *rawConn) write(s string) { _, _ = io.WriteString(c.Conn, s) }

// closeNow closes the connection from the server side.
func (c *rawConn) closeNow() {
	c.serverClosed.Store(true)
	c.Close()
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// burst starts a raw server and makes n requests to it at once through a
// transport with opts, which it answers ("ok") only when all have arrived,
// so that none can reuse another's connection: n connections are opened.
// handle, if not nil, sees every later request first and reports whether
// it answered it; the others get ok.
func burst(t *testing.T, n int32, opts Options, handle func(c *rawConn, req *request) bool) (*rawServer, *Transport) {
	t.Helper()
	var arrived atomic.Int32
	all := make(chan struct{})
	srv := newRawServer(t, func(c *rawConn, req *request) {
		if req.URL.Path == "/barrier" {
			if arrived.Add(1) == n {
				close(all)
			}
			select {
			case <-all:
			case <-c.srv.done:
				return
			}
		} else if handle != nil && handle(c, req) {
			return
		}
		c.write(ok)
	})
	tr := New(opts)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := tr.RoundTrip(newRequest(t, context.Background(), http.MethodGet, srv.URL+"/barrier", nil))
			if err != nil {
				t.Error(err)
				return
			}
			if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "ok" {
				t.Errorf("body %q, %v", b, err)
			}
			_ = resp.Body.Close()
		})
	}
	wg.Wait()
	if got := srv.accepted.Load(); got != n {
		t.Fatalf("%d concurrent requests opened %d connections, want %d", n, got, n)
	}
	return srv, tr
}

// keepIdle is burst with default options, checking that the transport
// keeps the n connections idle.
func keepIdle(t *testing.T, n int32, handle func(c *rawConn, req *request) bool) (*rawServer, *Transport) {
	t.Helper()
	srv, tr := burst(t, n, Options{}, handle)
	if got := idle(tr, srv.URL); got != int(n) {
		t.Fatalf("%d idle connections, want %d", got, n)
	}
	return srv, tr
}

// ok is a minimal keep-alive answer with body "ok".
const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// answerOK answers every request with ok.
func answerOK(c *rawConn, _ *request) { c.write(ok) }

// pool returns the transport's pool for the host of rawURL, or nil.
func pool(tr *Transport, rawURL string) *host {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.hosts[u.Host]
}

// idle returns the number of idle connections the transport keeps for the
// host of rawURL.
func idle(tr *Transport, rawURL string) int {
	if h := pool(tr, rawURL); h != nil {
		return h.idleCount()
	}
	return 0
}

// roundTrip makes a request with the transport and returns the response
// with its body read and closed.
func roundTrip(t testing.TB, tr http.RoundTripper, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatalf("%s %s: closing the body: %v", req.Method, req.URL, err)
	}
	return resp, string(b)
}

// get makes a GET of rawURL and returns its body, checking status 200.
func get(t testing.TB, tr http.RoundTripper, rawURL string) string {
	t.Helper()
	resp, body := roundTrip(t, tr, newRequest(t, context.Background(), http.MethodGet, rawURL, nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", rawURL, resp.StatusCode)
	}
	return body
}

func newRequest(t testing.TB, ctx context.Context, method, rawURL string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// closeTracker is a request body that records whether it was closed.
type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (b *closeTracker) Close() error {
	b.closed.Store(true)
	return nil
}

// seen lists requests as path@connection, for messages and comparisons.
func seen(reqs []*request) string {
	var b strings.Builder
	for i, r := range reqs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s@%d", r.URL.Path, r.Conn)
	}
	return b.String()
}

// isStaleErr reports whether err is a *StaleConnError.
func isStaleErr(err error) bool {
	var stale *StaleConnError
	return errors.As(err, &stale)
}
