// SPDX-License-Identifier: Apache-2.0

package main

import (
	"net/url"
	"time"

	"github.com/modelgate/modelgate/config"
	"github.com/modelgate/modelgate/gateway"
	"github.com/modelgate/modelgate/gateway/resilience"
)

var _ gateway.AdminSource = (*pipeline)(nil)

// backendInfo is one backend in GET /admin/backends.
type backendInfo struct {
	Name           string                    `json:"name"`
	Kind           config.Kind               `json:"kind"`
	URL            string                    `json:"url"`
	ManagementURL  string                    `json:"management_url,omitempty"`
	MaxConcurrency int                       `json:"max_concurrency"`
	InFlight       int                       `json:"in_flight"`
	Breakers       []resilience.BreakerState `json:"breakers"`
	RetryBudget    resilience.BudgetState    `json:"retry_budget"`
	Counters       resilience.Counters       `json:"counters"`
}

// Backends implements gateway.AdminSource: every current backend, in
// configuration order, with its live resilience state.
func (p *pipeline) Backends() any {
	s := p.state.Load()
	out := make([]backendInfo, 0, len(s.order))
	for _, b := range s.order {
		snap := b.rb.Snapshot()
		info := backendInfo{Name: b.cfg.Name, Kind: b.cfg.Kind, URL: redactURL(b.cfg.URL),
			MaxConcurrency: b.cfg.MaxConcurrency, InFlight: snap.InFlight, Breakers: snap.Breakers,
			RetryBudget: snap.Budget, Counters: snap.Counters}
		if info.Breakers == nil {
			info.Breakers = []resilience.BreakerState{} // none has seen a call yet
		}
		if ts := b.cfg.TorchServe; ts != nil && ts.ManagementURL != "" {
			info.ManagementURL = redactURL(ts.ManagementURL)
		}
		out = append(out, info)
	}
	return out
}

// configInfo is GET /admin/config.
type configInfo struct {
	// Version is the SHA-256 of the effective configuration (file plus
	// environment, defaults filled) with secrets redacted.
	Version  string    `json:"version"`
	Path     string    `json:"path"`
	LoadedAt time.Time `json:"loaded_at"`
	Backends int       `json:"backends"`
	Models   int       `json:"models"`
	// LastReloadFailure is the last reload, if it was rejected after the
	// configuration in effect was loaded.
	LastReloadFailure *reloadLog `json:"last_reload_failure,omitempty"`
}

// Config implements gateway.AdminSource.
func (p *pipeline) Config() any {
	s := p.state.Load()
	return configInfo{Version: s.version, Path: p.path, LoadedAt: s.loadedAt.UTC(),
		Backends: len(s.cfg.Backends), Models: len(s.cfg.Models), LastReloadFailure: p.failure.Load()}
}

// targetDetails is a target's "details" in GET /admin/routes/{model}.
type targetDetails struct {
	Kind       config.Kind    `json:"kind"`
	Outputs    []string       `json:"outputs,omitempty"`
	BreakerKey string         `json:"breaker_key"`
	Breaker    string         `json:"breaker"`
	Options    map[string]any `json:"options,omitempty"`
}

// describeTarget returns the gateway.Target.Describe of target t on b: its
// kind, per-kind options and the live state of the breaker its requests go
// through, read from the very backend the route uses.
func describeTarget(b *backend, t *config.Target) func() any {
	d := targetDetails{Kind: b.cfg.Kind, Outputs: t.Outputs, BreakerKey: targetBreakerKey(&b.cfg, t),
		Options: kindOptions(b.cfg.Kind, t)}
	rb := b.rb
	return func() any {
		out := d
		out.Breaker = breakerState(rb.Snapshot(), d.BreakerKey)
		return out
	}
}

// breakerState is the state of the breaker with key; a breaker that has
// not seen a call yet does not exist and is closed.
func breakerState(s resilience.Snapshot, key string) string {
	for _, br := range s.Breakers {
		if br.Key == key {
			return br.State
		}
	}
	return "closed"
}

// kindOptions is the target's per-kind block for its backend's kind, with
// the config's key names, or nil.
func kindOptions(k config.Kind, t *config.Target) map[string]any {
	switch {
	case k == config.KindTFServing && t.TFServing != nil:
		o := t.TFServing
		return map[string]any{"signature_name": o.SignatureName, "format": o.Format, "label": o.Label}
	case k == config.KindTorchServe && t.TorchServe != nil:
		return map[string]any{"envelope": t.TorchServe.Envelope}
	case k == config.KindMLflow && t.MLflow != nil:
		o := t.MLflow
		return map[string]any{"format": o.Format, "columns": o.Columns, "mlmodel_path": o.MLmodelPath}
	case k == config.KindBentoML && t.BentoML != nil:
		return map[string]any{"api": t.BentoML.API, "params": t.BentoML.Params}
	}
	return nil
}

// redactURL hides the credentials a URL may carry: userinfo (user and
// password) and query parameter values.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
