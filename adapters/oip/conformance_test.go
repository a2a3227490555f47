// SPDX-License-Identifier: Apache-2.0

package oip_test

import (
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/oip"
)

// TestConformance runs the adapter conformance kit against fakeServer, a
// hand-written OIP v2 server (PROTOCOLS.md §6).
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, adaptertest.Harness{
		New: func(t *testing.T, cfg adaptertest.Config) adapters.Adapter {
			a, err := oip.New(oip.Options{Backend: cfg.Backend, BaseURL: cfg.BaseURL, Client: cfg.Client,
				Model: cfg.Model, MaxResponseBytes: cfg.MaxResponseBytes})
			if err != nil {
				t.Fatalf("oip.New error = %v", err)
			}
			return a
		},
		Backend: fakeServer,
		Supports: adaptertest.Features{
			DTypes: []adapters.DType{adapters.Bool, adapters.Uint8, adapters.Uint16, adapters.Uint32, adapters.Uint64,
				adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64, adapters.FP32, adapters.FP64, adapters.Bytes},
			Metadata:         true,
			Versions:         true,
			RequestedOutputs: true,
		},
	})
}
