// SPDX-License-Identifier: Apache-2.0

package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options configures a Transport. The zero value is usable: no idle
// timeout, no header timeout, no dial timeout beyond the context's, and
// DefaultMaxIdleConnsPerHost.
type Options struct {
	// MaxIdleConnsPerHost is the number of idle keep-alive connections kept
	// per host; 0 means DefaultMaxIdleConnsPerHost, a negative value none.
	MaxIdleConnsPerHost int
	// IdleTimeout closes a connection idle that long; 0 keeps it.
	IdleTimeout time.Duration
	// DialTimeout bounds establishing a connection (and, for requests
	// handed to the standard transport, the TLS handshake); 0: the
	// context's deadline only.
	DialTimeout time.Duration
	// KeepAlive is the TCP keep-alive probe period; 0: the OS default.
	KeepAlive time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers after
	// the request was written; 0: the context's deadline only. Its expiry
	// is an error that matches context.DeadlineExceeded and net.Error's
	// Timeout, as http.Transport's does.
	ResponseHeaderTimeout time.Duration
	// Proxy selects a proxy per request, as http.Transport.Proxy does
	// (e.g. http.ProxyFromEnvironment); requests it sends through a proxy
	// are handed to the standard transport. Asked once per host.
	Proxy func(*http.Request) (*url.URL, error)
}

// DefaultMaxIdleConnsPerHost is the idle pool size when
// Options.MaxIdleConnsPerHost is 0.
const DefaultMaxIdleConnsPerHost = 64

// bufferSize is the size of each connection's read and write buffers, as
// in net/http.
const bufferSize = 4 << 10

// Transport is an http.RoundTripper for HTTP/1.1 backends; see the package
// documentation. It is safe for concurrent use.
type Transport struct {
	opts   Options
	dialer net.Dialer
	std    *http.Transport // https and proxied requests

	mu    sync.Mutex
	hosts map[string]*host
}

// New returns a Transport with opts.
func New(opts Options) *Transport {
	if opts.MaxIdleConnsPerHost == 0 {
		opts.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	d := net.Dialer{Timeout: opts.DialTimeout, KeepAlive: opts.KeepAlive}
	idle := max(opts.MaxIdleConnsPerHost, 0)
	return &Transport{
		opts:   opts,
		dialer: d,
		std: &http.Transport{
			Proxy:                 opts.Proxy,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          idle,
			MaxIdleConnsPerHost:   idle,
			IdleConnTimeout:       opts.IdleTimeout,
			TLSHandshakeTimeout:   opts.DialTimeout,
			ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
			ExpectContinueTimeout: time.Second,
		},
		hosts: make(map[string]*host),
	}
}

// Options returns the options in effect (defaults filled in).
func (t *Transport) Options() Options { return t.opts }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("upstream: nil Request.URL")
	}
	if req.URL.Scheme != "http" {
		return t.std.RoundTrip(req)
	}
	h, err := t.host(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if h.proxied {
		return t.std.RoundTrip(req)
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		// Already over: send nothing (a request written now would reach
		// the backend before the abort), and leave an idle connection
		// idle rather than spend it.
		closeBody(req)
		return nil, err
	}
	pc, err := h.get(ctx, t)
	if err != nil {
		closeBody(req)
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	stop := context.AfterFunc(ctx, pc.abort)
	resp, xerr := pc.exchange(req, t.opts.ResponseHeaderTimeout)
	if xerr != nil {
		stop()
		pc.close()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		if pc.reused && isStale(xerr) {
			h.closeIdle()
			return nil, &StaleConnError{Addr: h.addr, Err: xerr.err}
		}
		return nil, xerr.err
	}
	keep := !resp.Close && !req.Close && !asksClose(req.Header)
	if ctx.Err() != nil {
		// The context ended while the deadline was being reset after the
		// headers: make sure the body read fails too. The connection is
		// not kept: its deadline is now in the past, and stop may still
		// report the AfterFunc as stopped (the context's error is set
		// before its AfterFuncs start), in which case release would put
		// it back into the pool, to fail the next request with a timeout.
		pc.abort()
		keep = false
	}
	if resp.Body == http.NoBody {
		release(h, pc, stop, keep)
		return resp, nil
	}
	resp.Body = &body{rc: resp.Body, h: h, pc: pc, stop: stop, ctx: ctx, keep: keep}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of every host, and
// those of the standard transport. Connections in use are not affected.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	hosts := make([]*host, 0, len(t.hosts))
	for _, h := range t.hosts {
		hosts = append(hosts, h)
	}
	t.mu.Unlock()
	for _, h := range hosts {
		h.closeIdle()
	}
	t.std.CloseIdleConnections()
}

// host returns the pool of the request's host, creating it on first use.
func (t *Transport) host(req *http.Request) (*host, error) {
	key := req.URL.Host
	t.mu.Lock()
	h := t.hosts[key]
	t.mu.Unlock()
	if h != nil {
		return h, nil
	}
	addr, err := hostPort(req.URL)
	if err != nil {
		return nil, err
	}
	h = &host{addr: addr, maxIdle: max(t.opts.MaxIdleConnsPerHost, 0), idleTimeout: t.opts.IdleTimeout}
	if t.opts.Proxy != nil {
		proxy, err := t.opts.Proxy(req)
		if err != nil {
			return nil, fmt.Errorf("upstream: proxy for %s: %w", key, err)
		}
		h.proxied = proxy != nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.hosts[key]; old != nil {
		return old, nil
	}
	t.hosts[key] = h
	return h, nil
}

// hostPort returns u's host with the default HTTP port when it has none.
func hostPort(u *url.URL) (string, error) {
	hostname := u.Hostname()
	if hostname == "" {
		return "", fmt.Errorf("upstream: no host in request URL %q", u.Redacted())
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(hostname, port), nil
}

// dial opens a new connection to addr.
func (t *Transport) dial(ctx context.Context, addr string) (*conn, error) {
	nc, err := t.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return newConn(nc), nil
}

// StaleConnError reports a reused keep-alive connection that failed before
// any byte of the response arrived: the backend had closed it while it was
// idle (or died with the request unanswered). Its message contains net/
// http's "server closed idle connection" wording.
type StaleConnError struct {
	Addr string
	Err  error
}

func (e *StaleConnError) Error() string {
	return fmt.Sprintf("upstream: %s: server closed idle connection: %v", e.Addr, e.Err)
}

func (e *StaleConnError) Unwrap() error { return e.Err }

// isStale reports whether an exchange error means the connection was dead
// before the request reached a live server: a write failure or a failure
// to read the first byte, as EOF or a reset.
func isStale(err *exchangeError) bool {
	if err.afterFirstByte {
		return false
	}
	return errors.Is(err.err, io.EOF) || errors.Is(err.err, io.ErrUnexpectedEOF) ||
		errors.Is(err.err, syscall.ECONNRESET) || errors.Is(err.err, syscall.EPIPE) ||
		errors.Is(err.err, syscall.ECONNABORTED)
}

// release ends the use of pc: back to its pool when keep is true and the
// context did not abort it, closed otherwise.
func release(h *host, pc *conn, stop func() bool, keep bool) {
	if !stop() {
		keep = false // the context fired: pc's deadline is in the past
	}
	if keep {
		h.put(pc)
	} else {
		pc.close()
	}
}

// body is a response body that hands its connection back when it is read
// to the end, and closes it when it is closed early or fails.
type body struct {
	rc   io.ReadCloser
	h    *host
	pc   *conn
	stop func() bool
	ctx  context.Context
	keep bool
	done atomic.Bool
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(b.keep)
	case err != nil:
		b.finish(false)
		if cerr := b.ctx.Err(); cerr != nil {
			err = cerr
		}
	}
	return n, err
}

// Close closes the body; before its end, the connection is closed rather
// than drained. It returns nil, as http.Transport's bodies do: the only
// error of b.rc.Close is that of draining a connection closed here (before
// the end, or after a failed Read), which means nothing to the caller.
func (b *body) Close() error {
	b.finish(false)  // nothing when the body already ended
	_ = b.rc.Close() // after EOF: nothing; else drains a closed connection, fails at once
	return nil
}

func (b *body) finish(keep bool) {
	if b.done.CompareAndSwap(false, true) {
		release(b.h, b.pc, b.stop, keep)
	}
}

// asksClose reports a "Connection: close" the caller set as a header
// rather than through Request.Close.
func asksClose(h http.Header) bool {
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "close") {
				return true
			}
		}
	}
	return false
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
