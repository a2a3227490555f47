// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

// testTransportFailures runs o against backends that give no answer.
func (s *suite) testTransportFailures(t *testing.T, o op) {
	t.Run("server closed", func(t *testing.T) {
		t.Parallel()
		e := s.envFor(t, closedUpstream(t), model())
		e.checkFailure(t, o.name, o.call(callContext(t), t, e), adapters.ErrUnavailable)
		e.settle(t, 0)
	})
	t.Run("connection closed before the answer", func(t *testing.T) {
		t.Parallel()
		e := s.envFor(t, hangUpUpstream(t), model())
		e.checkFailure(t, o.name, o.call(callContext(t), t, e), adapters.ErrUnavailable)
		e.settle(t, 0)
	})
}

// closedUpstream is the address of a server that has shut down.
func closedUpstream(t *testing.T) *upstream {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return &upstream{URL: mustParse(t, srv.URL)}
}

// hangUpUpstream accepts connections and closes them at once, before any
// answer.
func hangUpUpstream(t *testing.T) *upstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return &upstream{URL: mustParse(t, "http://"+ln.Addr().String())}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
