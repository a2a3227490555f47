// SPDX-License-Identifier: Apache-2.0

// Package upstream is modelgate's HTTP/1.1 transport to backends: an
// http.RoundTripper that makes each round trip on the calling goroutine,
// over a pool of keep-alive connections, with the standard library's own
// request writer (http.Request.Write) and response parser
// (http.ReadResponse).
//
// # Why not http.Transport
//
// net/http's Transport serves every connection with two goroutines of its
// own (persistConn.readLoop and writeLoop), so one round trip hands the
// request and the response across three goroutines and parks and wakes
// each of them. For a gateway whose requests are small and many, that
// hand-off is the largest cost of the whole proxy: measured with the bench
// load (wrk -c64, small OIP requests, 2 cores), a plain
// httputil.ReverseProxy on http.Transport spent 82–96 µs of CPU per
// request, the same proxy with a synchronous client 30–32 µs (see
// BENCHMARKS.md). This transport keeps the standard library's HTTP
// semantics and drops the hand-off.
//
// # What it does and does not do
//
// Plain http:// backends without a proxy are served here. https:// URLs
// and backends that HTTP_PROXY/NO_PROXY route through a proxy are handed
// to an *http.Transport with the same settings (TLS, ALPN and proxies are
// its business; inference backends behind TLS pay its cost).
//
// Cancellation: the request's context aborts the round trip at any point,
// the body read included (context.AfterFunc moves the connection's
// deadline to the past; the connection is then closed, never reused).
// ResponseHeaderTimeout bounds the wait for the response headers only.
//
// Connections are reused when the response body was read to its end and
// neither side asked to close; a body closed early closes its connection.
// At most MaxIdleConnsPerHost idle connections are kept per host, each for
// at most IdleTimeout.
//
// A connection taken from the pool is first checked for anything the
// backend sent on it while it was idle: bytes (some servers write a "408
// Request Timeout" before they close an idle connection), which would be
// read as the answer to the next request, or the end of the stream. Where
// net/http keeps a read pending on every idle connection, on a goroutine
// of its own, this costs one non-blocking recv(MSG_PEEK) when the
// connection is taken (on Unix; elsewhere only bytes already buffered are
// seen). Such a connection is closed and the next one taken, or a new one
// dialled.
//
// A reused connection that fails nonetheless before the first byte of the
// response (the backend closed it after that check, or as the request
// arrived) yields a *StaleConnError, and the host's other idle
// connections, idle at least as long, are closed too; the resilience layer
// retries such a request at once. Nothing is retried here.
package upstream
