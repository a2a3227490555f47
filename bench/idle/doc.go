// SPDX-License-Identifier: Apache-2.0

// Command idle measures what idle keep-alive client connections cost a
// server: it opens N connections to it, sends one request on each (so each
// connection has gone through the server's full request path and sits in
// its keep-alive wait), holds them all open, reads the server process's
// resident set size (VmRSS in /proc/PID/status), then sends a second request
// on every connection to prove the server kept them, and closes them.
// It prints one JSON object:
//
//	{"conns_wanted", "conns_open", "conns_failed", "alive_after",
//	 "rss_before_bytes", "rss_held_bytes", "rss_per_conn_bytes", "first_error"?}
//
// Each process needs a file descriptor per connection: raise the limit
// first (bench/run does `ulimit -n`). Loopback only.
//
// Usage:
//
//	idle -addr 127.0.0.1:19103 -pid PID [-conns 10000] [-path /v2/models/small/infer -body FILE]
package main
