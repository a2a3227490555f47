// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Policy is the resilience configuration of one backend. Start from
// DefaultPolicy and override fields: NewClient rejects a zero field rather
// than guessing what it meant.
type Policy struct {
	// AttemptTimeout bounds one attempt's wait for the response headers
	// (http.Transport.ResponseHeaderTimeout). It never bounds reading the
	// body, so streaming answers are not cut. Default: 30s.
	AttemptTimeout time.Duration
	// MaxAttempts is the number of attempts per request, the first one
	// included; 1 disables retries. Default: 3.
	MaxAttempts int
	// BackoffMin and BackoffMax shape the exponential backoff between
	// attempts: retry n (from 0) waits a uniformly random duration in
	// [0, min(BackoffMax, BackoffMin·2^n)] ("full jitter"). Defaults: 20ms
	// and 500ms.
	BackoffMin, BackoffMax time.Duration
	// BudgetRatio is the fraction of the requests seen in the last
	// BudgetWindow that may be retried, on top of BudgetFloor. Default: 0.2.
	BudgetRatio float64
	// BudgetFloor is the number of retries always allowed per BudgetWindow,
	// so that a quiet backend can still be retried. Default: 10.
	BudgetFloor int
	// BudgetWindow is the sliding window of the retry budget. Default: 10s.
	BudgetWindow time.Duration
	// MaxConcurrency bounds the Infer calls in flight through
	// (*Backend).Limit; 0 means unlimited. Default: 64.
	MaxConcurrency int
	// Breaker configures the circuit breakers.
	Breaker BreakerPolicy
	// Pool configures the connection pool.
	Pool PoolPolicy
}

// BreakerPolicy configures a circuit breaker.
type BreakerPolicy struct {
	// ConsecutiveFailures opens the breaker when that many backend faults
	// happen in a row. Default: 5.
	ConsecutiveFailures uint32
	// OpenFor is how long an open breaker fails fast before it turns
	// half-open. Default: 10s.
	OpenFor time.Duration
	// HalfOpenProbes is how many requests a half-open breaker admits; that
	// many successes in a row close it, one fault reopens it. Default: 1.
	HalfOpenProbes uint32
}

// PoolPolicy configures the backend's connection pool.
type PoolPolicy struct {
	// MaxIdleConns is the number of idle keep-alive connections kept to
	// the backend (MaxIdleConnsPerHost). Default: 64.
	MaxIdleConns int
	// IdleTimeout closes connections idle that long. Keep it below the
	// backend's own keep-alive (uvicorn: 5s) so the gateway, not the
	// backend, closes idle connections. Default: 4s.
	IdleTimeout time.Duration
	// DialTimeout bounds establishing a TCP connection (and the TLS
	// handshake). Default: 2s.
	DialTimeout time.Duration
}

// DefaultPolicy returns the defaults that the config schema documents.
func DefaultPolicy() Policy {
	return Policy{
		AttemptTimeout: 30 * time.Second,
		MaxAttempts:    3,
		BackoffMin:     20 * time.Millisecond,
		BackoffMax:     500 * time.Millisecond,
		BudgetRatio:    0.2,
		BudgetFloor:    10,
		BudgetWindow:   10 * time.Second,
		MaxConcurrency: 64,
		Breaker: BreakerPolicy{
			ConsecutiveFailures: 5,
			OpenFor:             10 * time.Second,
			HalfOpenProbes:      1,
		},
		Pool: PoolPolicy{
			MaxIdleConns: 64,
			IdleTimeout:  4 * time.Second,
			DialTimeout:  2 * time.Second,
		},
	}
}

// Validate reports every out-of-range field of p, each named by its Go
// field path.
func (p *Policy) Validate() error {
	var errs []error
	bad := func(cond bool, field, reason string, value any) {
		if cond {
			errs = append(errs, fmt.Errorf("%s: %s, got %v", field, reason, value))
		}
	}
	bad(p.AttemptTimeout <= 0, "AttemptTimeout", "must be positive", p.AttemptTimeout)
	bad(p.MaxAttempts < 1, "MaxAttempts", "must be at least 1", p.MaxAttempts)
	bad(p.BackoffMin <= 0, "BackoffMin", "must be positive", p.BackoffMin)
	bad(p.BackoffMax < p.BackoffMin, "BackoffMax", "must not be below BackoffMin", p.BackoffMax)
	bad(p.BudgetRatio < 0 || math.IsNaN(p.BudgetRatio) || math.IsInf(p.BudgetRatio, 0),
		"BudgetRatio", "must be a finite number ≥ 0", p.BudgetRatio)
	bad(p.BudgetFloor < 0, "BudgetFloor", "must not be negative", p.BudgetFloor)
	bad(p.BudgetWindow <= 0, "BudgetWindow", "must be positive", p.BudgetWindow)
	bad(p.MaxConcurrency < 0, "MaxConcurrency", "must not be negative (0 is unlimited)", p.MaxConcurrency)
	bad(p.Breaker.ConsecutiveFailures < 1, "Breaker.ConsecutiveFailures", "must be at least 1", p.Breaker.ConsecutiveFailures)
	bad(p.Breaker.OpenFor <= 0, "Breaker.OpenFor", "must be positive", p.Breaker.OpenFor)
	bad(p.Breaker.HalfOpenProbes < 1, "Breaker.HalfOpenProbes", "must be at least 1", p.Breaker.HalfOpenProbes)
	bad(p.Pool.MaxIdleConns < 1, "Pool.MaxIdleConns", "must be at least 1", p.Pool.MaxIdleConns)
	bad(p.Pool.IdleTimeout <= 0, "Pool.IdleTimeout", "must be positive", p.Pool.IdleTimeout)
	bad(p.Pool.DialTimeout <= 0, "Pool.DialTimeout", "must be positive", p.Pool.DialTimeout)
	return errors.Join(errs...)
}
