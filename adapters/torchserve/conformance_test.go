// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"net/http"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
)

// jsonDTypes are the datatypes that survive TorchServe's JSON round trip
// (widened as expectJSON says).
var jsonDTypes = []adapters.DType{
	adapters.Bool, adapters.Uint8, adapters.Uint16, adapters.Uint32,
	adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64,
	adapters.FP32, adapters.FP64, adapters.Bytes,
}

// rowDTypes are those whose kit samples share a first dimension (2): the
// row format ({"instances": rows}) needs one batch size for all inputs of a
// request, so the kit's all-datatypes request can only hold these.
var rowDTypes = []adapters.DType{
	adapters.Bool, adapters.Uint8, adapters.Uint32, adapters.Int8, adapters.Int32,
	adapters.Int64, adapters.FP32, adapters.FP64,
}

// TestConformance runs the conformance kit against fakeTS (PROTOCOLS.md
// §2.1–2.5), once per request envelope. Readiness uses the management API:
// the server-wide /ping cannot tell an unknown model (see ModelReady), which
// the kit's "model not found" readiness case requires; the golden cases
// cover /ping.
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		envelope Envelope
		dtypes   []adapters.DType
	}{
		{"json envelope", EnvelopeJSON, jsonDTypes},
		{"instances envelope", EnvelopeInstances, rowDTypes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			names := []string{"y"}
			adaptertest.Run(t, adaptertest.Harness{
				New: func(t *testing.T, cfg adaptertest.Config) adapters.Adapter {
					a, err := New(Options{
						Backend: cfg.Backend, BaseURL: cfg.BaseURL, Client: cfg.Client, Model: cfg.Model,
						MaxResponseBytes: cfg.MaxResponseBytes, OutputNames: names, Envelope: tc.envelope,
						ManagementURL: cfg.BaseURL, Token: "inference-key", ManagementToken: "management-key",
					})
					if err != nil {
						t.Fatal(err)
					}
					return a
				},
				Backend: func(_ *testing.T, s adaptertest.Scenario) http.Handler {
					return &fakeTS{scenario: s, instances: tc.envelope == EnvelopeInstances,
						token: "inference-key", mgmtToken: "management-key"}
				},
				Supports: adaptertest.Features{DTypes: tc.dtypes, Raw: true, Versions: true, RequestedOutputs: true},
				Expect:   expectJSON(names),
			})
		})
	}
}
