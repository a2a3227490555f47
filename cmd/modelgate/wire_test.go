// SPDX-License-Identifier: Apache-2.0

package main

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/config"
	"github.com/modelgate/modelgate/gateway/resilience"
)

func TestClientOptionsMapEveryBackendSetting(t *testing.T) {
	t.Parallel()
	b := config.Backend{
		Name: "b", Kind: config.KindOIP, URL: "http://h",
		Timeout: 7 * time.Second, MaxConcurrency: 3,
		Retry:   config.Retry{MaxAttempts: 2, BackoffMin: time.Millisecond, BackoffMax: time.Second, BudgetRatio: 0.5, BudgetFloor: 4},
		Breaker: config.Breaker{ConsecutiveFailures: 9, OpenFor: time.Minute, HalfOpenProbes: 2},
		Pool:    config.Pool{MaxIdleConns: 8, IdleTimeout: 3 * time.Second, DialTimeout: time.Second},
	}
	got := clientOptions(&b, nil)
	want := resilience.DefaultPolicy()
	want.AttemptTimeout, want.MaxConcurrency = 7*time.Second, 3
	want.MaxAttempts, want.BackoffMin, want.BackoffMax = 2, time.Millisecond, time.Second
	want.BudgetRatio, want.BudgetFloor = 0.5, 4
	want.Breaker = resilience.BreakerPolicy{ConsecutiveFailures: 9, OpenFor: time.Minute, HalfOpenProbes: 2}
	want.Pool = resilience.PoolPolicy{MaxIdleConns: 8, IdleTimeout: 3 * time.Second, DialTimeout: time.Second}
	if diff := cmp.Diff(want, got.Policy); diff != "" {
		t.Errorf("policy mismatch (-want +got):\n%s", diff)
	}
	if got.Backend != "b" || got.BreakerKey != nil {
		t.Errorf("got backend %q, per-model key set %v; want \"b\" and one breaker", got.Backend, got.BreakerKey != nil)
	}
	if _, err := resilience.NewClient(got); err != nil {
		t.Errorf("NewClient rejects the mapped options: %v", err)
	}
}

func TestBreakerKeyPerModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    config.Kind
		url     string
		path    string
		wantKey string
	}{
		{config.KindOIP, "http://h:8000", "/v2/models/iris/infer", "iris"},
		{config.KindOIP, "http://h:8000/prefix/", "/prefix/v2/models/iris/infer", "iris"},
		{config.KindTFServing, "http://h", "/v1/models/half:predict", "half"},
		{config.KindTorchServe, "http://h", "/predictions/mnist/1.0", "mnist"},
		{config.KindBentoML, "http://h", "/summarize", "summarize"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+tt.path, func(t *testing.T) {
			t.Parallel()
			key := breakerKey(&config.Backend{Kind: tt.kind, URL: tt.url})
			if got := key(httptest.NewRequest("POST", tt.path, nil)); got != tt.wantKey {
				t.Errorf("got key %q, want %q", got, tt.wantKey)
			}
		})
	}
	if breakerKey(&config.Backend{Kind: config.KindMLflow, URL: "http://h"}) != nil {
		t.Errorf("got a per-model key for MLflow, want one breaker (one model per server)")
	}
}

func TestNewAdapterRejectsUnknownKind(t *testing.T) {
	t.Parallel()
	_, err := newAdapter(&config.Backend{Name: "b", Kind: "soap", URL: "http://h"}, &config.Target{Model: "m"}, nil)
	if err == nil || err.Error() != `unknown kind "soap"` {
		t.Errorf("got %v, want unknown kind \"soap\"", err)
	}
}
