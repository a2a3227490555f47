// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/oip"
	"github.com/modelgate/modelgate/config"
	"github.com/modelgate/modelgate/gateway"
	"github.com/modelgate/modelgate/gateway/resilience"
)

// wire builds the whole pipeline from a validated configuration: one
// resilient client per backend, one adapter per route target (wrapped in
// its backend's concurrency limit), and the gateway over them. The returned
// function closes the backends' idle connections.
func wire(cfg *config.Config, log *slog.Logger) (*gateway.Gateway, func(), error) {
	backends := make(map[string]*resilience.Backend, len(cfg.Backends))
	closeAll := func() {
		for _, rb := range backends {
			rb.Close()
		}
	}
	for i := range cfg.Backends {
		b := &cfg.Backends[i]
		rb, err := resilience.NewClient(clientOptions(b, log))
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("backends[%d]: %w", i, err)
		}
		backends[b.Name] = rb
	}
	routes := make([]gateway.Route, 0, len(cfg.Models))
	for i, m := range cfg.Models {
		r := gateway.Route{Name: m.Name, Timeout: m.Timeout}
		for j := range m.Targets {
			t := &m.Targets[j]
			b := cfg.Backend(t.Backend)
			rb := backends[t.Backend]
			a, err := newAdapter(b, t, rb.Client())
			if err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("models[%d].targets[%d]: backend %q: %w", i, j, b.Name, err)
			}
			r.Targets = append(r.Targets, gateway.Target{
				Backend: b.Name,
				Model:   adapters.ModelRef{Name: t.Model, Version: t.Version},
				Adapter: rb.Limit(a),
			})
		}
		routes = append(routes, r)
	}
	g, err := gateway.New(gatewayOptions(cfg, routes, log))
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return g, closeAll, nil
}

// newAdapter builds the adapter of one route target: the one place that
// knows every backend kind.
func newAdapter(b *config.Backend, t *config.Target, c *http.Client) (adapters.Adapter, error) {
	base, err := url.Parse(b.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	model := adapters.ModelRef{Name: t.Model, Version: t.Version}
	switch b.Kind {
	case config.KindOIP:
		return oip.New(oip.Options{
			Backend:          b.Name,
			BaseURL:          base,
			Client:           c,
			Model:            model,
			MaxResponseBytes: int64(b.MaxResponseBytes),
		})
	case config.KindTFServing, config.KindTorchServe, config.KindMLflow, config.KindBentoML:
		return nil, fmt.Errorf("kind %s: adapter not built yet", b.Kind)
	default:
		return nil, fmt.Errorf("unknown kind %q", b.Kind)
	}
}

// clientOptions maps a backend's config onto its resilience client.
func clientOptions(b *config.Backend, log *slog.Logger) resilience.ClientOptions {
	p := resilience.DefaultPolicy()
	p.AttemptTimeout = b.Timeout
	p.MaxConcurrency = b.MaxConcurrency
	p.MaxAttempts = b.Retry.MaxAttempts
	p.BackoffMin, p.BackoffMax = b.Retry.BackoffMin, b.Retry.BackoffMax
	p.BudgetRatio, p.BudgetFloor = b.Retry.BudgetRatio, b.Retry.BudgetFloor
	p.Breaker = resilience.BreakerPolicy{
		ConsecutiveFailures: uint32(b.Breaker.ConsecutiveFailures), // Validate bounds it
		OpenFor:             b.Breaker.OpenFor,
		HalfOpenProbes:      uint32(b.Breaker.HalfOpenProbes),
	}
	p.Pool = resilience.PoolPolicy{
		MaxIdleConns: b.Pool.MaxIdleConns,
		IdleTimeout:  b.Pool.IdleTimeout,
		DialTimeout:  b.Pool.DialTimeout,
	}
	opts := resilience.ClientOptions{Backend: b.Name, Policy: p, Logger: log}
	if b.Breaker.PerModel {
		opts.BreakerKey = breakerKey(b)
	}
	return opts
}

// breakerKey keys breakers by the path segment that names the model for
// the backend's kind, after the segments of the base URL's path prefix.
// MLflow serves one model per server, so it keeps one breaker.
func breakerKey(b *config.Backend) func(*http.Request) string {
	var model int
	switch b.Kind {
	case config.KindOIP, config.KindTFServing:
		model = 2 // /v2/models/{m}/infer, /v1/models/{m}:predict
	case config.KindTorchServe:
		model = 1 // /predictions/{m}
	case config.KindBentoML:
		model = 0 // /{api}: one breaker per API of the service
	case config.KindMLflow:
		return nil
	}
	prefix := 0
	if u, err := url.Parse(b.URL); err == nil {
		prefix = len(strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' }))
	}
	return resilience.PathSegmentKey(prefix + model)
}

// gatewayOptions maps the server config onto the gateway.
func gatewayOptions(cfg *config.Config, routes []gateway.Route, log *slog.Logger) gateway.Options {
	s := cfg.Server
	return gateway.Options{
		Routes:            routes,
		MaxBodyBytes:      int64(s.MaxBodyBytes),
		Logger:            log,
		Version:           version,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		IdleTimeout:       s.IdleTimeout,
		ShutdownTimeout:   s.ShutdownTimeout,
		DrainDelay:        s.DrainDelay,
		Attempts: func(ctx context.Context) (context.Context, func() int) {
			ctx, c := resilience.WithAttemptCounter(ctx)
			return ctx, c.Attempts
		},
	}
}
