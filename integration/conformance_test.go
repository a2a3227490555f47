// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/bentoml"
	"github.com/modelgate/modelgate/adapters/mlflow"
	"github.com/modelgate/modelgate/adapters/oip"
	"github.com/modelgate/modelgate/adapters/tfserving"
	"github.com/modelgate/modelgate/adapters/torchserve"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// irisRequest is the known-answer request of the live kit: irisSamples as
// one [3,4] tensor named input of dtype (FP32 or FP64).
func irisRequest(input string, dtype adapters.DType) *adapters.Request {
	t := adapters.Tensor{Name: input, DType: dtype, Shape: []int64{3, 4}}
	flat := slices.Concat(irisSamples()...)
	if dtype == adapters.FP32 {
		for _, v := range flat {
			t.Data.FP32 = append(t.Data.FP32, float32(v))
		}
	} else {
		t.Data.FP64 = flat
	}
	return &adapters.Request{ID: "conformance", Inputs: []adapters.Tensor{t}}
}

// checkIris returns a Check asserting the output named output is INT64 [3]
// holding irisClasses.
func checkIris(output string) func(t *testing.T, got *adapters.Response) {
	return func(t *testing.T, got *adapters.Response) {
		t.Helper()
		out := got.Output(output)
		if out == nil {
			t.Fatalf("no output %q in %+v", output, got.Outputs)
		}
		if out.DType != adapters.Int64 || !slices.Equal(out.Shape, []int64{3}) || !slices.Equal(out.Data.Int64, irisClasses()) {
			t.Errorf("output %s: got %v %v %v, want INT64 [3] %v", output, out.DType, out.Shape, out.Data.Int64, irisClasses())
		}
	}
}

// liveClient is the adapters' client in the live kit: a plain transport,
// no retries (the kit asserts one upstream round trip per call).
func liveClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 8, ResponseHeaderTimeout: 10 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// mustURL parses a URL of the test's own making.
func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// built takes an adapter constructor's results and returns a function
// that fails the test if the constructor failed:
// built(oip.New(opts))(t).
func built[A adapters.Adapter](a A, err error) func(t *testing.T) adapters.Adapter {
	return func(t *testing.T) adapters.Adapter {
		t.Helper()
		if err != nil {
			t.Fatalf("building the adapter: %v", err)
		}
		return a
	}
}

// TestConformanceLive runs the adapter conformance kit (readiness,
// metadata, a known answer, an unknown model, cancellation) against each
// real backend.
func TestConformanceLive(t *testing.T) {
	e := mustEnv(t)
	e.requireBackends(t, "mlflow", "kserve", "bentoml", "torchserve", "tfserving")
	t.Run("oip/kserve", func(t *testing.T) {
		t.Parallel()
		adaptertest.RunLive(t, adaptertest.LiveHarness{
			New: func(t *testing.T, m adapters.ModelRef) adapters.Adapter {
				return built(oip.New(oip.Options{Backend: "kserve", BaseURL: mustURL(t, local(e.KServe, "")),
					Client: liveClient(t), Model: m}))(t)
			},
			Model:        adapters.ModelRef{Name: "iris"},
			UnknownModel: adapters.ModelRef{Name: "no-such-model"},
			Request:      irisRequest("input-0", adapters.FP32),
			Check:        checkIris("output-0"),
		})
	})
	t.Run("tfserving/emulator", func(t *testing.T) {
		t.Parallel()
		adaptertest.RunLive(t, adaptertest.LiveHarness{
			New: func(t *testing.T, m adapters.ModelRef) adapters.Adapter {
				return built(tfserving.New(tfserving.Options{Backend: "tfserving",
					BaseURL: mustURL(t, local(e.TFServing, "")), Client: liveClient(t), Model: m}))(t)
			},
			Model:        adapters.ModelRef{Name: "iris"},
			UnknownModel: adapters.ModelRef{Name: "no-such-model"},
			Request:      irisRequest("features", adapters.FP32),
			Check:        checkIris("classes"),
		})
	})
	t.Run("torchserve", func(t *testing.T) {
		t.Parallel()
		adaptertest.RunLive(t, adaptertest.LiveHarness{
			New: func(t *testing.T, m adapters.ModelRef) adapters.Adapter {
				return built(torchserve.New(torchserve.Options{Backend: "torchserve",
					BaseURL: mustURL(t, local(e.TorchServe, "")), Client: liveClient(t), Model: m,
					OutputNames: []string{"label"}, Envelope: torchserve.EnvelopeInstances,
					ManagementURL: mustURL(t, local(e.TorchServeMgmt, ""))}))(t)
			},
			Model:        adapters.ModelRef{Name: "iris"},
			UnknownModel: adapters.ModelRef{Name: "no-such-model"},
			Request:      irisRequest("input-0", adapters.FP64),
			Check:        checkIris("label"),
		})
	})
	t.Run("mlflow", func(t *testing.T) {
		t.Parallel()
		adaptertest.RunLive(t, adaptertest.LiveHarness{
			New: func(t *testing.T, m adapters.ModelRef) adapters.Adapter {
				return built(mlflow.New(mlflow.Options{Backend: "mlflow",
					BaseURL: mustURL(t, local(e.MLflow, "")), Client: liveClient(t), Model: m,
					OutputNames: []string{"label"}, MLmodelPath: e.MLmodel()}))(t)
			},
			Model:   adapters.ModelRef{Name: "iris"},
			Request: irisRequest("features", adapters.FP64),
			Check:   checkIris("label"),
		})
	})
	t.Run("bentoml", func(t *testing.T) {
		t.Parallel()
		adaptertest.RunLive(t, adaptertest.LiveHarness{
			New: func(t *testing.T, m adapters.ModelRef) adapters.Adapter {
				return built(bentoml.New(bentoml.Options{Backend: "bentoml",
					BaseURL: mustURL(t, local(e.BentoML, "")), Client: liveClient(t), Model: m,
					OutputNames: []string{"label"}, API: "predict"}))(t)
			},
			Model:   adapters.ModelRef{Name: "iris"},
			Request: irisRequest("features", adapters.FP64),
			Check:   checkIris("label"),
		})
	})
}

// TestTFServingAdapterOnKServeV1 runs the tfserving adapter against
// KServe's V1 protocol, which shares TF Serving's :predict dialect but has
// no /metadata and no versions: the predict path only, so not the whole
// kit.
func TestTFServingAdapterOnKServeV1(t *testing.T) {
	e := mustEnv(t)
	e.requireBackends(t, "kserve")
	newAdapter := func(name string) adapters.Adapter {
		return built(tfserving.New(tfserving.Options{Backend: "kserve-v1",
			BaseURL: mustURL(t, local(e.KServe, "")), Client: liveClient(t),
			Model: adapters.ModelRef{Name: name}, Format: v1json.Row}))(t)
	}
	req := irisRequest("input-0", adapters.FP32)
	got, err := newAdapter("iris").Infer(t.Context(), req)
	if err != nil {
		t.Fatalf("Infer on KServe v1: %v", err)
	}
	checkIris("output-0")(t, got)
	_, err = newAdapter("no-such-model").Infer(t.Context(), req)
	if !errors.Is(err, adapters.ErrModelNotFound) {
		t.Errorf("Infer of an unknown model on KServe v1: got %v, want ErrModelNotFound", err)
	}
}
