// SPDX-License-Identifier: Apache-2.0

// Package metrics exports modelgate's Prometheus metrics. It plugs into the
// gateway through gateway.Options.Observe (one call per finished request)
// and gateway.Options.Metrics (the GET /metrics handler), and reads each
// backend's resilience state (resilience.Backend.Snapshot) at scrape time,
// so the request path never touches the resilience counters twice.
//
// Everything is registered on the *prometheus.Registry the caller passes
// in, never on the process-wide default registry, so tests and embedders
// can run several gateways in one process.
//
// # Series
//
// Requests (from gateway.Observation):
//
//	modelgate_requests_total{route,protocol,status,backend}           counter
//	modelgate_request_duration_seconds{route,protocol,backend}        histogram
//
// route is the model name, or "" for requests that named no configured
// model (health, /metrics, /admin, unknown models), so cardinality is
// bounded by the configuration; protocol is "v2" (Open Inference
// Protocol), "v1" (TF Serving REST) or ""; backend is the target that
// answered, or the last one tried.
//
// Backends (from resilience.Snapshot, read at scrape time):
//
//	modelgate_upstream_attempts_total{backend}                        counter
//	modelgate_upstream_retries_total{backend}                         counter
//	modelgate_upstream_retries_denied_total{backend,reason}           counter  reason: budget | deadline
//	modelgate_breaker_rejected_total{backend}                         counter
//	modelgate_limit_shed_total{backend}                               counter
//	modelgate_backend_in_flight{backend}                              gauge
//	modelgate_breaker_state{backend,key}                              gauge    0 closed, 1 half-open, 2 open
//	modelgate_breaker_consecutive_failures{backend,key}               gauge
//	modelgate_retry_budget_available{backend}                         gauge
//
// key is the breaker's key: "" for the backend-wide breaker, the model
// (or BentoML API) with breaker.per_model. Breakers appear after their
// first call. A backend rebuilt by a configuration reload (its settings
// changed) starts its counters from zero, which Prometheus' rate() treats
// as a counter reset; a removed backend's series disappear.
//
// Process (cmd/modelgate): modelgate_build_info{version} and
// modelgate_config_reloads_total{result}, modelgate_config_last_reload_success_timestamp_seconds,
// plus the standard go_* and process_* collectors.
//
// # Wiring
//
//	reg := prometheus.NewRegistry()
//	m, err := metrics.New(metrics.Options{Registry: reg, Version: version, Backends: snapshots})
//	…
//	gateway.New(gateway.Options{Observe: m.Observe, Metrics: m.Handler(), …})
package metrics
