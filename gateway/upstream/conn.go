// SPDX-License-Identifier: Apache-2.0

package upstream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// conn is one keep-alive connection to a backend.
type conn struct {
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	reused bool      // it served a request before this one
	idleAt time.Time // when it went back to the pool
	peek   peeker    // looks at the socket when the pool hands it out
}

// newConn returns a connection over nc, with its buffers.
func newConn(nc net.Conn) *conn {
	c := &conn{nc: nc, br: bufio.NewReaderSize(nc, bufferSize), bw: bufio.NewWriterSize(nc, bufferSize)}
	c.peek.init(nc)
	return c
}

// aLongTimeAgo is a deadline in the past: it fails pending and future I/O.
var aLongTimeAgo = time.Unix(1, 0)

// abort fails the connection's pending and future I/O; it may run
// concurrently with a read or write (context.AfterFunc).
func (c *conn) abort() { _ = c.nc.SetDeadline(aLongTimeAgo) }

func (c *conn) close() { _ = c.nc.Close() }

// clean reports whether the backend sent nothing on c while it was idle:
// no byte, buffered here (the backend sent more than the last response)
// or waiting in the socket, and no end of stream. Anything it did send is
// not an answer to the request about to be written (an unsolicited "408
// Request Timeout" before it closes the connection, typically), and would
// be read as that answer.
func (c *conn) clean() bool {
	return c.br.Buffered() == 0 && c.peek.quiet()
}

// exchangeError is a failed exchange and whether any byte of the response
// had arrived.
type exchangeError struct {
	err            error
	afterFirstByte bool
}

// exchange writes req and reads the response headers. The wait for the
// first byte and the headers is bounded by rht when it is positive.
func (c *conn) exchange(req *http.Request, rht time.Duration) (*http.Response, *exchangeError) {
	if err := writeRequest(c.bw, req); err != nil {
		return nil, &exchangeError{err: err}
	}
	if err := c.bw.Flush(); err != nil {
		return nil, &exchangeError{err: err}
	}
	if rht > 0 {
		_ = c.nc.SetReadDeadline(time.Now().Add(rht))
	}
	if _, err := c.br.Peek(1); err != nil {
		return nil, &exchangeError{err: headerErr(err, rht)}
	}
	for {
		resp, err := http.ReadResponse(c.br, req)
		if err != nil {
			return nil, &exchangeError{err: headerErr(err, rht), afterFirstByte: true}
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, &exchangeError{err: errors.New("upstream: the backend switched protocols, which modelgate does not support"), afterFirstByte: true}
		case resp.StatusCode >= 100 && resp.StatusCode < 200:
			continue // 100 Continue, 103 Early Hints: the final answer follows
		}
		if rht > 0 {
			_ = c.nc.SetReadDeadline(time.Time{})
		}
		return resp, nil
	}
}

// headerErr turns the expiry of the header deadline into an error that
// says so and matches context.DeadlineExceeded, as http.Transport's
// ResponseHeaderTimeout error does.
func headerErr(err error, rht time.Duration) error {
	var ne net.Error
	if rht > 0 && errors.As(err, &ne) && ne.Timeout() {
		return &headerTimeoutError{rht}
	}
	return err
}

// headerTimeoutError is the expiry of Options.ResponseHeaderTimeout. It is
// a net.Error with Timeout true (callers such as url.Error ask it
// directly, not through errors.As) and matches context.DeadlineExceeded.
type headerTimeoutError struct{ d time.Duration }

func (e *headerTimeoutError) Error() string {
	return fmt.Sprintf("upstream: timeout awaiting response headers (%v)", e.d)
}
func (e *headerTimeoutError) Timeout() bool        { return true }
func (e *headerTimeoutError) Temporary() bool      { return true }
func (e *headerTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// host is the pool of idle connections to one address.
type host struct {
	addr        string
	proxied     bool // requests go through a proxy: the standard transport's
	maxIdle     int
	idleTimeout time.Duration

	mu    sync.Mutex
	idle  []*conn // oldest first
	timer *time.Timer
}

// get returns an idle connection, the most recently used first, or dials
// a new one. An idle connection the backend wrote to or closed while it was
// idle is closed and the next one tried: the others, idle longer, have
// often been closed as well, and each costs one non-blocking syscall to
// check, far less than the round trip a StaleConnError costs.
func (h *host) get(ctx context.Context, t *Transport) (*conn, error) {
	for {
		c, expired := h.pop()
		closeAll(expired)
		if c == nil {
			return t.dial(ctx, h.addr)
		}
		if c.clean() {
			c.reused = true
			return c, nil
		}
		c.close()
	}
}

// pop takes the most recently used idle connection. When that one has
// expired, so have all the others: they are returned to be closed.
func (h *host) pop() (c *conn, expired []*conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.idle)
	if n == 0 {
		return nil, nil
	}
	c = h.idle[n-1]
	h.idle[n-1] = nil
	h.idle = h.idle[:n-1]
	if h.idleTimeout > 0 && time.Since(c.idleAt) >= h.idleTimeout {
		expired = append(h.idle, c)
		h.idle = nil
		return nil, expired
	}
	return c, nil
}

// put returns c to the pool, or closes it when the pool is full.
func (h *host) put(c *conn) {
	c.idleAt = time.Now()
	h.mu.Lock()
	if len(h.idle) >= h.maxIdle {
		h.mu.Unlock()
		c.close()
		return
	}
	h.idle = append(h.idle, c)
	if h.idleTimeout > 0 && h.timer == nil {
		h.timer = time.AfterFunc(h.idleTimeout, h.prune)
	}
	h.mu.Unlock()
}

// prune closes the connections idle for IdleTimeout and rearms itself for
// the oldest of the others, so a quiet pool does not hold connections the
// backend is about to close.
func (h *host) prune() {
	h.mu.Lock()
	now := time.Now()
	i := 0
	for i < len(h.idle) && now.Sub(h.idle[i].idleAt) >= h.idleTimeout {
		i++
	}
	expired := slices.Clone(h.idle[:i])
	n := copy(h.idle, h.idle[i:])
	clear(h.idle[n:])
	h.idle = h.idle[:n]
	if n > 0 {
		h.timer.Reset(h.idle[0].idleAt.Add(h.idleTimeout).Sub(now))
	} else {
		h.timer = nil
	}
	h.mu.Unlock()
	closeAll(expired)
}

// closeIdle closes every idle connection of the pool.
func (h *host) closeIdle() {
	h.mu.Lock()
	idle := h.idle
	h.idle = nil
	h.mu.Unlock()
	closeAll(idle)
}

// idleCount returns the number of idle connections, for tests.
func (h *host) idleCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.idle)
}

func closeAll(conns []*conn) {
	for _, c := range conns {
		c.close()
	}
}
