// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"context"
	"net/http"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
)

// conformanceDTypes are the datatypes that survive BentoML's JSON round
// trip (widened as expectEcho says).
var conformanceDTypes = []adapters.DType{
	adapters.Bool, adapters.Uint8, adapters.Uint16, adapters.Uint32,
	adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64,
	adapters.FP32, adapters.FP64, adapters.Bytes,
}

// TestConformance runs the conformance kit against fakeBento (PROTOCOLS.md
// §4.1–4.4). BYTES samples hold no URLs, so the refusal of URL-like strings
// (the default until a schema is cached) does not interfere.
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, adaptertest.Harness{
		New: func(t *testing.T, cfg adaptertest.Config) adapters.Adapter {
			a, err := New(Options{
				Backend: cfg.Backend, BaseURL: cfg.BaseURL, Client: cfg.Client, Model: cfg.Model,
				MaxResponseBytes: cfg.MaxResponseBytes, API: "echo",
			})
			if err != nil {
				t.Fatal(err)
			}
			return kitPlatform{a}
		},
		Backend: func(_ *testing.T, s adaptertest.Scenario) http.Handler {
			return &fakeBento{scenario: s, api: "echo"}
		},
		Supports: adaptertest.Features{DTypes: conformanceDTypes, Raw: true, Metadata: true, RequestedOutputs: true},
		Expect:   expectEcho,
	})
}

// kitPlatform reports the kit's fixed platform, "conformance", in place of
// Platform: BentoML has no notion of a platform for the fake to answer, and
// the kit compares metadata with adaptertest.Signature whole. Nothing else
// is touched; the golden cases check Platform.
type kitPlatform struct{ *Adapter }

func (k kitPlatform) ModelMetadata(ctx context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
	md, err := k.Adapter.ModelMetadata(ctx, m)
	if md != nil {
		md.Platform = adaptertest.Signature(m).Platform
	}
	return md, err
}
