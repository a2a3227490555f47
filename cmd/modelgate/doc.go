// SPDX-License-Identifier: Apache-2.0

// Command modelgate is the inference gateway: one API (Open Inference
// Protocol v2 and TF Serving REST v1) in front of TF Serving, TorchServe,
// MLflow, BentoML and OIP model servers.
//
// Usage:
//
//	modelgate serve --config FILE [--listen HOST:PORT] [--log-level LEVEL]
//	modelgate validate --config FILE
//	modelgate version
//
// serve loads and validates the configuration (see package config; every
// key can be overridden by a MODELGATE_* environment variable), builds one
// resilient HTTP client per backend and one adapter per route target, and
// serves until SIGINT or SIGTERM. It logs JSON lines to stderr; the first,
// {"msg":"listening","addr":"127.0.0.1:8080",...}, gives the bound address,
// which tells tests that listen on port 0 where to connect. On the signal it
// reports not-ready, waits server.drain_delay, stops accepting connections
// and lets in-flight requests finish within server.shutdown_timeout, then
// exits 0. A second signal exits at once.
//
// On SIGHUP serve loads and validates the file (and environment) again. If
// anything is wrong, it logs every problem ("config reload failed", one
// line each) and keeps the running configuration. Otherwise it swaps in
// the new routes at once: requests in flight finish on the routes they
// started with. A backend whose settings are unchanged keeps its client
// (breakers, retry budget, concurrency limit, connection pool); a changed
// one gets a new client and counters; removed ones are closed. Of the
// server settings, default_timeout (through the routes), shutdown_timeout
// and drain_delay take effect; listen, max_body_bytes, read_header_timeout
// and idle_timeout are logged as "needs restart".
//
// Operations endpoints on the same listener: GET /metrics (Prometheus, see
// package gateway/metrics), GET /admin/backends (backend state: breakers,
// in-flight calls, counters; URL credentials redacted), GET /admin/config
// (the config version, a SHA-256 of the effective configuration without
// secrets, its path, load time and the last rejected reload) and
// GET /admin/routes/{model} (timeout and targets in order with kind,
// options and breaker state). They carry no authentication.
//
// validate prints "ok", or every problem of the file one per line with its
// key path and exits 1.
//
// version prints the version stamped at build time with
// go build -ldflags "-X main.version=v1.2.3" ("dev" otherwise) and the Go
// version.
//
// The wiring is in wire.go: one explicit switch on the backend kind builds
// each adapter; nothing registers itself. pipeline.go builds and rebuilds
// the whole pipeline (config → resilient clients → adapters → gateway).
package main
