// SPDX-License-Identifier: Apache-2.0

// Command goproxy is the bench's reference Go reverse proxy, forwarding
// every request unchanged to one backend, in one of two modes:
//
//   - reverseproxy (bench/run's optional target "goproxy"): the standard
//     library's httputil.ReverseProxy on an http.Transport tuned like
//     modelgate's pool. It shows in the same run what a plain Go proxy
//     costs, so the gap between net/http's Transport and modelgate's own
//     upstream transport (gateway/upstream) stays measurable.
//   - floor (target "floor"): the least a net/http server can do per
//     proxied request: read the body, one round trip through modelgate's
//     upstream transport, copy status, Content-Type and body back. No
//     router, middleware, log, metrics, decoding or resilience. It is the
//     ceiling of any gateway built on net/http's server, as modelgate is
//     (through echo), on this machine in the same run.
//
// Loopback only; not part of modelgate.
//
// Usage: goproxy [-mode reverseproxy|floor] -listen 127.0.0.1:19104 -backend http://127.0.0.1:19100
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	"github.com/modelgate/modelgate/gateway/upstream"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19104", "address to listen on (loopback)")
	backend := flag.String("backend", "http://127.0.0.1:19100", "backend base URL")
	mode := flag.String("mode", "reverseproxy", "reverseproxy or floor")
	flag.Parse()
	if err := run(*listen, *backend, *mode); err != nil {
		fmt.Fprintln(os.Stderr, "goproxy:", err)
		os.Exit(1)
	}
}

func run(listen, backend, mode string) error {
	u, err := url.Parse(backend)
	if err != nil || u.Host == "" {
		return fmt.Errorf("backend %q: not a URL", backend)
	}
	var h http.Handler
	switch mode {
	case "reverseproxy":
		p := httputil.NewSingleHostReverseProxy(u)
		p.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
		p.ErrorLog = log.New(io.Discard, "", 0) // wrk's closing connections cancel requests
		h = p
	case "floor":
		h = &floor{backend: u, t: upstream.New(upstream.Options{MaxIdleConnsPerHost: 256, IdleTimeout: 30 * time.Second})}
	default:
		return fmt.Errorf("mode %q: want reverseproxy or floor", mode)
	}
	srv := &http.Server{Addr: listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// floor forwards each request through gateway/upstream and nothing else.
type floor struct {
	backend *url.URL
	t       *upstream.Transport
}

func (f *floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	u := *f.backend
	u.Path, u.RawQuery = r.URL.Path, r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := f.t.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}
