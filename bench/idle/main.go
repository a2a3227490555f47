// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "idle:", err)
		os.Exit(1)
	}
}

// result is the JSON printed at the end.
type result struct {
	Wanted          int    `json:"conns_wanted"`
	Open            int    `json:"conns_open"`
	Failed          int    `json:"conns_failed"`
	AliveAfter      int    `json:"alive_after"`
	RSSBeforeBytes  int64  `json:"rss_before_bytes"`
	RSSHeldBytes    int64  `json:"rss_held_bytes"`
	RSSPerConnBytes int64  `json:"rss_per_conn_bytes"`
	FirstError      string `json:"first_error,omitempty"`
}

func run(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:19103", "server `host:port` (loopback)")
	pid := fs.Int("pid", 0, "server process `id` whose VmRSS is read (required)")
	n := fs.Int("conns", 10000, "connections to hold")
	path := fs.String("path", "/v2/health/live", "request `path`; a GET unless -body is set")
	bodyFile := fs.String("body", "", "POST the JSON in `file`")
	parallel := fs.Int("parallel", 200, "connections opened at once")
	hold := fs.Duration("hold", 3*time.Second, "hold all connections this long before reading RSS")
	timeout := fs.Duration("timeout", 10*time.Second, "per-connection dial and request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pid <= 0 {
		return fmt.Errorf("-pid is required")
	}
	req, err := buildRequest(*addr, *path, *bodyFile)
	if err != nil {
		return err
	}
	p := &pool{addr: *addr, req: req, timeout: *timeout, parallel: *parallel}
	res := result{Wanted: *n}
	if res.RSSBeforeBytes, err = rss(*pid); err != nil {
		return err
	}
	p.open(*n)
	defer p.closeAll()
	res.Open, res.Failed = len(p.conns), *n-len(p.conns)
	time.Sleep(*hold)
	if res.RSSHeldBytes, err = rss(*pid); err != nil {
		return err
	}
	if res.Open > 0 {
		res.RSSPerConnBytes = (res.RSSHeldBytes - res.RSSBeforeBytes) / int64(res.Open)
	}
	res.AliveAfter = p.again()
	res.FirstError = p.firstErr()
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(res)
}
