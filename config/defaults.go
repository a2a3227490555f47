// SPDX-License-Identifier: Apache-2.0

package config

import "time"

// Default returns the default configuration: server settings and no
// backends or models. It is the single source of defaults together with
// the element defaults it delegates to (DefaultBackend for each backend,
// DefaultTFServing, DefaultTorchServe, DefaultMLflow and DefaultBentoML for
// each per-kind target block), which Load applies to every list element.
func Default() Config {
	return Config{
		Server: Server{
			Listen:            "127.0.0.1:8080",
			MaxBodyBytes:      16 * MiB,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   30 * time.Second,
			DrainDelay:        0,
			DefaultTimeout:    30 * time.Second,
		},
	}
}

// DefaultBackend returns the defaults of one backend element. Load fills
// each key absent from a backend (or set to null) from it, so an explicit 0
// (max_concurrency: 0 = unlimited) is kept.
func DefaultBackend() Backend {
	return Backend{
		Timeout:          30 * time.Second,
		MaxResponseBytes: 64 * MiB,
		MaxConcurrency:   64,
		Retry: Retry{
			MaxAttempts: 3,
			BackoffMin:  20 * time.Millisecond,
			BackoffMax:  500 * time.Millisecond,
			BudgetRatio: 0.2,
			BudgetFloor: 10,
		},
		Breaker: Breaker{
			ConsecutiveFailures: 5,
			OpenFor:             10 * time.Second,
			HalfOpenProbes:      1,
		},
		Pool: Pool{
			MaxIdleConns: 64,
			IdleTimeout:  4 * time.Second,
			DialTimeout:  2 * time.Second,
		},
	}
}

// DefaultTFServing returns the default TF Serving target options.
func DefaultTFServing() TFServing {
	return TFServing{SignatureName: "serving_default", Format: TFServingColumnar}
}

// DefaultTorchServe returns the default TorchServe target options.
func DefaultTorchServe() TorchServe {
	return TorchServe{Envelope: EnvelopeJSON}
}

// DefaultMLflow returns the default MLflow target options.
func DefaultMLflow() MLflow {
	return MLflow{Format: MLflowDataframeSplit}
}

// DefaultBentoML returns the default BentoML target options.
func DefaultBentoML() BentoML {
	return BentoML{API: "predict"}
}

// targetBlockDefaults returns the defaults of each per-kind target block,
// keyed by its config key, as values for the structs provider.
func targetBlockDefaults() map[string]any {
	return map[string]any{
		"tfserving":  DefaultTFServing(),
		"torchserve": DefaultTorchServe(),
		"mlflow":     DefaultMLflow(),
		"bentoml":    DefaultBentoML(),
	}
}

// resolve fills the defaults that depend on other fields: a route's timeout
// from the server, a target's model from the route name, and the per-kind
// block of the target's backend kind when the file sets none.
func (c *Config) resolve() {
	for i := range c.Models {
		r := &c.Models[i]
		if r.Timeout == 0 {
			r.Timeout = c.Server.DefaultTimeout
		}
		for j := range r.Targets {
			t := &r.Targets[j]
			if t.Model == "" {
				t.Model = r.Name
			}
			if b := c.Backend(t.Backend); b != nil && !t.hasBlock() {
				t.setDefaultBlock(b.Kind)
			}
		}
	}
}

// hasBlock reports whether any per-kind block is set.
func (t *Target) hasBlock() bool {
	return t.TFServing != nil || t.TorchServe != nil || t.MLflow != nil || t.BentoML != nil
}

// setDefaultBlock sets the default block of kind k, if k has one.
func (t *Target) setDefaultBlock(k Kind) {
	switch k {
	case KindTFServing:
		d := DefaultTFServing()
		t.TFServing = &d
	case KindTorchServe:
		d := DefaultTorchServe()
		t.TorchServe = &d
	case KindMLflow:
		d := DefaultMLflow()
		t.MLflow = &d
	case KindBentoML:
		d := DefaultBentoML()
		t.BentoML = &d
	case KindOIP:
	}
}
