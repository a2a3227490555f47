// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDefaultPolicyIsValid(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*Policy)
		want   string
	}{
		{"zero attempt timeout", func(p *Policy) { p.AttemptTimeout = 0 }, "AttemptTimeout: must be positive"},
		{"no attempts", func(p *Policy) { p.MaxAttempts = 0 }, "MaxAttempts: must be at least 1, got 0"},
		{"backoff inverted", func(p *Policy) { p.BackoffMax = time.Millisecond }, "BackoffMax: must not be below BackoffMin"},
		{"negative ratio", func(p *Policy) { p.BudgetRatio = -1 }, "BudgetRatio: must be a finite number ≥ 0"},
		{"negative floor", func(p *Policy) { p.BudgetFloor = -1 }, "BudgetFloor: must not be negative"},
		{"no window", func(p *Policy) { p.BudgetWindow = 0 }, "BudgetWindow: must be positive"},
		{"negative concurrency", func(p *Policy) { p.MaxConcurrency = -1 }, "MaxConcurrency: must not be negative"},
		{"breaker never trips", func(p *Policy) { p.Breaker.ConsecutiveFailures = 0 }, "Breaker.ConsecutiveFailures: must be at least 1"},
		{"breaker open for 0", func(p *Policy) { p.Breaker.OpenFor = 0 }, "Breaker.OpenFor: must be positive"},
		{"no probes", func(p *Policy) { p.Breaker.HalfOpenProbes = 0 }, "Breaker.HalfOpenProbes: must be at least 1"},
		{"no idle conns", func(p *Policy) { p.Pool.MaxIdleConns = 0 }, "Pool.MaxIdleConns: must be at least 1"},
		{"no idle timeout", func(p *Policy) { p.Pool.IdleTimeout = 0 }, "Pool.IdleTimeout: must be positive"},
		{"no dial timeout", func(p *Policy) { p.Pool.DialTimeout = 0 }, "Pool.DialTimeout: must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := DefaultPolicy()
			tt.modify(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	t.Parallel()
	_, err := NewClient(ClientOptions{Policy: Policy{MaxAttempts: 3}})
	if err == nil {
		t.Fatal("got nil error, want one")
	}
	for _, want := range []string{"Backend: must not be empty", "AttemptTimeout", "Pool.DialTimeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to report %q", err, want)
		}
	}
}

func TestNewClientTransport(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	p.AttemptTimeout, p.Pool = 7*time.Second, PoolPolicy{MaxIdleConns: 9, IdleTimeout: 3 * time.Second, DialTimeout: time.Second}
	b, err := NewClient(ClientOptions{Backend: "tfs", Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tr := b.pool
	if tr == nil {
		t.Fatal("got no pooled transport")
	}
	if o := tr.Options(); o.ResponseHeaderTimeout != 7*time.Second || o.MaxIdleConnsPerHost != 9 || o.IdleTimeout != 3*time.Second ||
		o.DialTimeout != time.Second || o.KeepAlive != tcpKeepAlive || o.Proxy == nil {
		t.Errorf("got transport options %+v, want the policy's pool settings and attempt timeout", o)
	}
	if c := b.Client(); c.Timeout != 0 || c != b.Client() {
		t.Errorf("got client timeout %v, want 0 (the request context bounds the call) and one shared client", c.Timeout)
	}
	if b.Name() != "tfs" {
		t.Errorf("got name %q, want tfs", b.Name())
	}
	if _, ok := b.inner.Transport.(interface{ CloseIdleConnections() }); ok {
		t.Error("breaker transport implements CloseIdleConnections; retryablehttp would empty the pool after every failure")
	}
	var _ http.RoundTripper = b.Client().Transport
}
