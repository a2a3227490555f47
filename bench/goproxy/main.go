// SPDX-License-Identifier: Apache-2.0

// Command goproxy is the bench's reference Go reverse proxy: the standard
// library's httputil.ReverseProxy on an http.Transport tuned like
// modelgate's pool, forwarding every request unchanged to one backend. It
// shows in the same run what a plain Go proxy costs (bench/run's optional
// target "goproxy"), so the gap between net/http's Transport and
// modelgate's own upstream transport (gateway/upstream) stays measurable.
// Loopback only; not part of modelgate.
//
// Usage: goproxy -listen 127.0.0.1:19104 -backend http://127.0.0.1:19100
package main

import (
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
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19104", "address to listen on (loopback)")
	backend := flag.String("backend", "http://127.0.0.1:19100", "backend base URL")
	flag.Parse()
	if err := run(*listen, *backend); err != nil {
		fmt.Fprintln(os.Stderr, "goproxy:", err)
		os.Exit(1)
	}
}

func run(listen, backend string) error {
	u, err := url.Parse(backend)
	if err != nil || u.Host == "" {
		return fmt.Errorf("backend %q: not a URL", backend)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
	p.ErrorLog = log.New(io.Discard, "", 0) // wrk's closing connections cancel requests
	srv := &http.Server{Addr: listen, Handler: p, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
