// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/modelgate/modelgate/config"
	"github.com/modelgate/modelgate/gateway"
	"github.com/modelgate/modelgate/gateway/metrics"
	"github.com/modelgate/modelgate/gateway/resilience"
)

// pipeline is the running gateway and everything a configuration reload
// replaces under it: the backends' resilient clients and the routes.
type pipeline struct {
	log     *slog.Logger
	path    string                         // the config file, for /admin/config
	started config.Server                  // the server settings in effect since startup
	load    func() (*config.Config, error) // loads and validates the file again
	gw      *gateway.Gateway
	metrics *metrics.Metrics

	mu      sync.Mutex                // serializes reloads
	state   atomic.Pointer[snapshot]  // what serves now
	failure atomic.Pointer[reloadLog] // the last reload, if it failed
}

// snapshot is one loaded configuration and the backends built from it.
// It is immutable once published.
type snapshot struct {
	cfg      *config.Config
	version  string // configVersion(cfg)
	loadedAt time.Time
	backends map[string]*backend // by name
	order    []*backend          // as configured
}

// backend is a configured backend and its resilient client, which a
// reload reuses while the backend's settings stay the same.
type backend struct {
	cfg config.Backend // the settings rb was built from
	rb  *resilience.Backend
}

// reloadLog is the outcome of a failed reload, for /admin/config.
type reloadLog struct {
	At       time.Time `json:"at"`
	Problems []string  `json:"problems"`
}

// newPipeline wires cfg: metrics on a fresh registry, one resilient client
// per backend, one adapter per route target and the gateway over them.
func newPipeline(cfg *config.Config, path string, load func() (*config.Config, error), log *slog.Logger) (*pipeline, error) {
	p := &pipeline{log: log, path: path, load: load, started: cfg.Server}
	m, err := metrics.New(metrics.Options{Registry: prometheus.NewRegistry(), Version: version,
		Backends: p.snapshots, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)})
	if err != nil {
		return nil, err
	}
	p.metrics = m
	backends, _, err := buildBackends(cfg, nil, log)
	if err != nil {
		return nil, err
	}
	routes, err := buildRoutes(cfg, backends)
	if err != nil {
		closeBackends(backends)
		return nil, err
	}
	p.state.Store(newSnapshot(cfg, backends))
	p.gw, err = gateway.New(p.gatewayOptions(cfg, routes))
	if err != nil {
		closeBackends(backends)
		return nil, err
	}
	m.ConfigLoaded(p.state.Load().loadedAt)
	return p, nil
}

// gatewayOptions maps the server config onto the gateway.
func (p *pipeline) gatewayOptions(cfg *config.Config, routes []gateway.Route) gateway.Options {
	s := cfg.Server
	return gateway.Options{
		Routes:            routes,
		MaxBodyBytes:      int64(s.MaxBodyBytes),
		Logger:            p.log,
		Version:           version,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		IdleTimeout:       s.IdleTimeout,
		ShutdownTimeout:   s.ShutdownTimeout,
		DrainDelay:        s.DrainDelay,
		Attempts: func(ctx context.Context) (context.Context, func() int) {
			ctx, c := resilience.WithAttemptCounter(ctx)
			return ctx, c.Attempts
		},
		Observe: p.metrics.Observe,
		Metrics: p.metrics.Handler(),
		Admin:   p,
	}
}

// newSnapshot stamps cfg with its version and the current time.
func newSnapshot(cfg *config.Config, backends map[string]*backend) *snapshot {
	s := &snapshot{cfg: cfg, version: configVersion(cfg), loadedAt: time.Now(), backends: backends}
	for i := range cfg.Backends {
		s.order = append(s.order, backends[cfg.Backends[i].Name])
	}
	return s
}

// configVersion is the hex SHA-256 of cfg's JSON form, in which secrets
// are "[redacted]" (config.Secret): equal effective configurations get
// equal versions, and a change of a secret alone does not show.
func configVersion(cfg *config.Config) string {
	b, err := json.Marshal(cfg)
	if err != nil { // pure data: cannot happen
		return "unknown"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// buildBackends returns a backend per configured backend: old's backend of
// the same name when its settings are unchanged (keeping its breakers,
// budget, limiter and pool), else a new one. created lists the new ones,
// for the caller to close if the reload fails later.
func buildBackends(cfg *config.Config, old map[string]*backend, log *slog.Logger) (map[string]*backend, []*backend, error) {
	out := make(map[string]*backend, len(cfg.Backends))
	var created []*backend
	for i := range cfg.Backends {
		b := &cfg.Backends[i]
		if prev, ok := old[b.Name]; ok && reflect.DeepEqual(prev.cfg, *b) {
			out[b.Name] = prev
			continue
		}
		rb, err := resilience.NewClient(clientOptions(b, log))
		if err != nil {
			closeAll(created)
			return nil, nil, fmt.Errorf("backends[%d]: %w", i, err)
		}
		nb := &backend{cfg: *b, rb: rb}
		out[b.Name] = nb
		created = append(created, nb)
	}
	return out, created, nil
}

// buildRoutes builds one route per model, each target an adapter wrapped in
// its backend's concurrency limit.
func buildRoutes(cfg *config.Config, backends map[string]*backend) ([]gateway.Route, error) {
	routes := make([]gateway.Route, 0, len(cfg.Models))
	for i, m := range cfg.Models {
		r := gateway.Route{Name: m.Name, Timeout: m.Timeout}
		for j := range m.Targets {
			t := &m.Targets[j]
			b, ok := backends[t.Backend]
			if !ok { // Validate rules this out
				return nil, fmt.Errorf("models[%d].targets[%d]: unknown backend %q", i, j, t.Backend)
			}
			a, err := newAdapter(&b.cfg, t, b.rb)
			if err != nil {
				return nil, fmt.Errorf("models[%d].targets[%d]: backend %q: %w", i, j, t.Backend, err)
			}
			r.Targets = append(r.Targets, gateway.Target{
				Backend:  t.Backend,
				Model:    modelRef(t),
				Adapter:  b.rb.Limit(a),
				Describe: describeTarget(b, t),
				// The oip adapter sends the client's OIP body as it is.
				SendsSource: b.cfg.Kind == config.KindOIP,
				// The tfserving adapter types outputs by the signature it
				// learnt from the last ModelMetadata call.
				TypedByMetadata: b.cfg.Kind == config.KindTFServing,
			})
		}
		routes = append(routes, r)
	}
	return routes, nil
}

// closeBackends closes the idle connections of every backend.
func closeBackends(m map[string]*backend) {
	for _, b := range m {
		b.rb.Close()
	}
}

// closeAll closes the idle connections of each of bs.
func closeAll(bs []*backend) {
	for _, b := range bs {
		b.rb.Close()
	}
}

// snapshots returns the resilience state of the current backends, for the
// metrics collector.
func (p *pipeline) snapshots() []resilience.Snapshot {
	s := p.state.Load()
	out := make([]resilience.Snapshot, 0, len(s.order))
	for _, b := range s.order {
		out = append(out, b.rb.Snapshot())
	}
	return out
}

// close closes the idle connections of the current backends.
func (p *pipeline) close() { closeBackends(p.state.Load().backends) }
