// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/bentoml"
	"github.com/modelgate/modelgate/adapters/mlflow"
	"github.com/modelgate/modelgate/adapters/oip"
	"github.com/modelgate/modelgate/adapters/tfserving"
	"github.com/modelgate/modelgate/adapters/torchserve"
	"github.com/modelgate/modelgate/adapters/v1json"
	"github.com/modelgate/modelgate/config"
	"github.com/modelgate/modelgate/gateway/resilience"
)

// newAdapter builds the adapter of one route target: the one place that
// knows every backend kind. c is the backend's resilient client.
func newAdapter(b *config.Backend, t *config.Target, c adapters.HTTPClient) (adapters.Adapter, error) {
	base, err := url.Parse(b.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	switch b.Kind {
	case config.KindOIP:
		return oip.New(oipOptions(b, t, base, c))
	case config.KindTFServing:
		o, err := tfservingOptions(b, t, base, c)
		if err != nil {
			return nil, err
		}
		return tfserving.New(o)
	case config.KindMLflow:
		o, err := mlflowOptions(b, t, base, c)
		if err != nil {
			return nil, err
		}
		return mlflow.New(o)
	case config.KindTorchServe:
		o, err := torchserveOptions(b, t, base, c)
		if err != nil {
			return nil, err
		}
		return torchserve.New(o)
	case config.KindBentoML:
		return bentoml.New(bentomlOptions(b, t, base, c))
	default:
		return nil, fmt.Errorf("unknown kind %q", b.Kind)
	}
}

// modelRef is the target's backend model.
func modelRef(t *config.Target) adapters.ModelRef {
	return adapters.ModelRef{Name: t.Model, Version: t.Version}
}

func oipOptions(b *config.Backend, t *config.Target, base *url.URL, c adapters.HTTPClient) oip.Options {
	return oip.Options{Backend: b.Name, BaseURL: base, Client: c, Model: modelRef(t),
		MaxResponseBytes: int64(b.MaxResponseBytes)}
}

// tfservingOptions maps a tfserving target. The signature name
// "serving_default" (the config default) is not sent: TF Serving runs that
// signature for requests that name none, and servers that only emulate TF
// Serving's predict API (KServe's v1) need not know the field.
func tfservingOptions(b *config.Backend, t *config.Target, base *url.URL, c adapters.HTTPClient) (tfserving.Options, error) {
	o := config.DefaultTFServing()
	if t.TFServing != nil {
		o = *t.TFServing
	}
	format, err := v1json.ParseFormat(o.Format)
	if err != nil {
		return tfserving.Options{}, fmt.Errorf("tfserving.format: %w", err)
	}
	sig := o.SignatureName
	if sig == tfserving.DefaultSignatureName {
		sig = ""
	}
	return tfserving.Options{Backend: b.Name, BaseURL: base, Client: c, Model: modelRef(t),
		OutputNames: slices.Clone(t.Outputs), MaxResponseBytes: int64(b.MaxResponseBytes),
		SignatureName: sig, Format: format, Label: o.Label}, nil
}

func mlflowOptions(b *config.Backend, t *config.Target, base *url.URL, c adapters.HTTPClient) (mlflow.Options, error) {
	o := config.DefaultMLflow()
	if t.MLflow != nil {
		o = *t.MLflow
	}
	format, err := mlflow.ParseFormat(o.Format)
	if err != nil {
		return mlflow.Options{}, fmt.Errorf("mlflow.format: %w", err)
	}
	return mlflow.Options{Backend: b.Name, BaseURL: base, Client: c, Model: modelRef(t),
		OutputNames: slices.Clone(t.Outputs), MaxResponseBytes: int64(b.MaxResponseBytes),
		Format: format, Columns: slices.Clone(o.Columns), MLmodelPath: o.MLmodelPath}, nil
}

// torchserveOptions maps a torchserve target and its backend's
// torchserve block (management URL, inference and management tokens).
func torchserveOptions(b *config.Backend, t *config.Target, base *url.URL, c adapters.HTTPClient) (torchserve.Options, error) {
	o := config.DefaultTorchServe()
	if t.TorchServe != nil {
		o = *t.TorchServe
	}
	opts := torchserve.Options{Backend: b.Name, BaseURL: base, Client: c, Model: modelRef(t),
		OutputNames: slices.Clone(t.Outputs), MaxResponseBytes: int64(b.MaxResponseBytes),
		Envelope: torchserve.Envelope(o.Envelope)}
	if ts := b.TorchServe; ts != nil {
		opts.Token, opts.ManagementToken = string(ts.Token), string(ts.ManagementToken)
		if ts.ManagementURL != "" {
			mgmt, err := url.Parse(ts.ManagementURL)
			if err != nil {
				return torchserve.Options{}, fmt.Errorf("torchserve.management_url: %w", err)
			}
			opts.ManagementURL = mgmt
		}
	}
	return opts, nil
}

// bentomlOptions maps a bentoml target; a custom route's leading "/" (as
// config writes it) is dropped, as bentoml.Options.API wants.
func bentomlOptions(b *config.Backend, t *config.Target, base *url.URL, c adapters.HTTPClient) bentoml.Options {
	o := config.DefaultBentoML()
	if t.BentoML != nil {
		o = *t.BentoML
	}
	return bentoml.Options{Backend: b.Name, BaseURL: base, Client: c, Model: modelRef(t),
		OutputNames: slices.Clone(t.Outputs), MaxResponseBytes: int64(b.MaxResponseBytes),
		API: strings.TrimPrefix(o.API, "/"), Params: maps.Clone(o.Params)}
}

// clientOptions maps a backend's config onto its resilience client, with
// the per-kind hooks: TorchServe reports a handler exception as 503
// "Prediction failed", which is neither worth a retry nor a backend fault.
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
	if b.Kind == config.KindTorchServe {
		opts.Retryable, opts.Fault = torchserve.Retryable, torchserve.Fault
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
	return resilience.PathSegmentKey(urlDepth(b.URL) + model)
}

// targetBreakerKey is the breaker key the requests of target t carry,
// mirroring breakerKey: "" for one breaker per backend (and for MLflow),
// the backend model, or the first segment of a BentoML API's route.
func targetBreakerKey(b *config.Backend, t *config.Target) string {
	if !b.Breaker.PerModel {
		return ""
	}
	switch b.Kind {
	case config.KindOIP, config.KindTFServing, config.KindTorchServe:
		return t.Model
	case config.KindBentoML:
		api := config.DefaultBentoML().API
		if t.BentoML != nil {
			api = t.BentoML.API
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(api, "/"), "/")
		return first
	}
	return ""
}

// urlDepth counts the segments of raw's path.
func urlDepth(raw string) int {
	u, err := url.Parse(raw)
	if err != nil {
		return 0
	}
	return len(strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' }))
}
