// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"net"
	"net/http"
	"time"
)

// tcpKeepAlive is the TCP keep-alive probe period of backend connections.
const tcpKeepAlive = 30 * time.Second

// newTransport returns the pooled transport of one backend. An attempt is
// bounded by DialTimeout + ResponseHeaderTimeout; the body read is bounded
// only by the request's context, so streaming answers are not cut
// (http.Client.Timeout would cut them).
func newTransport(p Policy) *http.Transport {
	d := &net.Dialer{Timeout: p.Pool.DialTimeout, KeepAlive: tcpKeepAlive}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          p.Pool.MaxIdleConns,
		MaxIdleConnsPerHost:   p.Pool.MaxIdleConns,
		IdleConnTimeout:       p.Pool.IdleTimeout,
		TLSHandshakeTimeout:   p.Pool.DialTimeout,
		ResponseHeaderTimeout: p.AttemptTimeout,
		ExpectContinueTimeout: time.Second,
	}
}
