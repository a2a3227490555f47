// SPDX-License-Identifier: Apache-2.0

// Package resilience gives each backend a resilient *http.Client (retries
// with a budget, circuit breakers, a tuned connection pool) and an adapter
// decorator that sheds load (Limit). It knows no wire protocol: adapters
// make ONE round trip per call through the injected client, and everything
// here happens underneath, per attempt.
//
// # Layers
//
// Outermost first:
//
//	Limiter (Backend.Limit, Limit)  at most MaxConcurrency Infer calls in flight;
//	                                excess fails at once: *adapters.Error wrapping
//	                                ErrOverloaded (→ ErrUnavailable), RetryAfter 1s
//	└ adapter                       one HTTP round trip through Backend.Client()
//	  └ retry (go-retryablehttp)    up to MaxAttempts; full-jitter exponential backoff;
//	    │                           Retry-After honoured; retry budget; request deadline;
//	    │                           the first attempt is made directly, go-retryablehttp
//	    │                           makes the retries
//	    └ breaker (gobreaker v2)    TwoStepCircuitBreaker per BreakerKey (default: one
//	      │                         per backend); open → *OpenError wrapping
//	      │                         ErrCircuitOpen (→ ErrUnavailable), no round trip
//	      └ *upstream.Transport     pool; DialTimeout; ResponseHeaderTimeout = AttemptTimeout
//
// Retry sits outside the breaker, so every attempt counts toward the
// backend's health and an open breaker ends the remaining attempts at once.
//
// # Retries
//
// Retried: connection errors (dial failures, resets and EOF before a
// response, attempt timeouts), stale pooled connections ("server closed idle
// connection": at once, outside the budget), and 429, 502, 503, 504 unless
// ClientOptions.Retryable says otherwise. Never retried: other 4xx, 500
// (deterministic model errors), 501, an open breaker, the caller's
// cancellation or deadline, a request body without GetBody.
//
// Retry n (from 0) waits a uniformly random duration in
// [0, min(BackoffMax, BackoffMin·2^n)], or the 429/503 Retry-After if longer.
// A wait that would reach the request's deadline is not taken: the last
// response (or error) is returned as it was, so the adapter maps the real
// upstream status. Cancellation during a wait returns the context's error
// at once. Responses discarded for a retry are drained and closed.
//
// The retry budget (Finagle's RetryBudget) allows, over a sliding
// BudgetWindow, at most BudgetFloor + BudgetRatio × requests retries, so an
// always-failing backend sees at most about (1+BudgetRatio)× the offered
// load, not MaxAttempts×.
//
// # Circuit breakers
//
// Backend faults count: transport errors, 5xx except 501, and 429, unless
// ClientOptions.Fault says otherwise. Successes: every other status (a 404
// model-not-found is not a fault). Excluded from the counts: the caller's
// cancellation and stale pooled connections. ConsecutiveFailures faults in a
// row open a breaker; after OpenFor it turns half-open and admits
// HalfOpenProbes probes; that many successes close it, one fault reopens it.
// State changes are logged; Snapshot exposes them for an admin endpoint.
//
// # Integration
//
// The gateway reports attempts: per incoming request it calls
// WithAttemptCounter, passes the returned context to the adapter, then sets
// X-Modelgate-Attempts from AttemptCounter.Attempts(); the count spans
// fallback targets too. Errors need no special mapping: ErrCircuitOpen and
// ErrOverloaded wrap adapters.ErrUnavailable (503); RetryAfter(err) finds the
// hint for the Retry-After header. Per-kind hooks (TorchServe's 503
// "Prediction failed" is a model error, not an outage) go in
// ClientOptions.Retryable and Fault, reading the body with PeekBody.
//
// # Configuration
//
// One Backend per configured backend, shared by the adapters of all its
// route targets. With the config schema
//
//	backends:
//	  - name: mlflow-iris
//	    timeout: 10s              # Policy.AttemptTimeout
//	    max_concurrency: 64       # Policy.MaxConcurrency
//	    retry: {max_attempts: 3, backoff_min: 20ms, backoff_max: 500ms, budget_ratio: 0.2, budget_floor: 10}
//	    breaker: {consecutive_failures: 5, open_for: 10s, half_open_probes: 1, per_model: false}
//	    pool: {max_idle_conns: 64, idle_timeout: 4s, dial_timeout: 2s}
//
// the wiring is
//
//	p := resilience.DefaultPolicy()
//	p.AttemptTimeout = b.Timeout
//	p.MaxConcurrency = b.MaxConcurrency
//	p.MaxAttempts, p.BackoffMin, p.BackoffMax = b.Retry.MaxAttempts, b.Retry.BackoffMin, b.Retry.BackoffMax
//	p.BudgetRatio, p.BudgetFloor = b.Retry.BudgetRatio, b.Retry.BudgetFloor
//	p.Breaker = resilience.BreakerPolicy{ConsecutiveFailures: …, OpenFor: …, HalfOpenProbes: …}
//	p.Pool = resilience.PoolPolicy{MaxIdleConns: …, IdleTimeout: …, DialTimeout: …}
//	opts := resilience.ClientOptions{Backend: b.Name, Policy: p, Logger: logger}
//	if b.Breaker.PerModel {
//		opts.BreakerKey = resilience.PathSegmentKey(2) // per kind: see PathSegmentKey
//	}
//	rb, err := resilience.NewClient(opts)
//	…
//	a, err := tfserving.New(tfserving.Options{Client: rb.Client(), …})
//	target := rb.Limit(a) // shares the backend's MaxConcurrency
package resilience
