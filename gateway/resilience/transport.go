// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"net/http"
	"time"

	"github.com/modelgate/modelgate/gateway/upstream"
)

// tcpKeepAlive is the TCP keep-alive probe period of backend connections.
const tcpKeepAlive = 30 * time.Second

// newTransport returns the pooled transport of one backend. An attempt is
// bounded by DialTimeout + ResponseHeaderTimeout; the body read is bounded
// only by the request's context, so streaming answers are not cut
// (http.Client.Timeout would cut them).
func newTransport(p Policy) *upstream.Transport {
	return upstream.New(upstream.Options{
		MaxIdleConnsPerHost:   p.Pool.MaxIdleConns,
		IdleTimeout:           p.Pool.IdleTimeout,
		DialTimeout:           p.Pool.DialTimeout,
		KeepAlive:             tcpKeepAlive,
		ResponseHeaderTimeout: p.AttemptTimeout,
		Proxy:                 http.ProxyFromEnvironment,
	})
}
