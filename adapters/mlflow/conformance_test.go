// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// TestConformance runs the adapter conformance kit against kitBackend, a
// fake MLflow scoring server, with the inputs format (the one that carries
// tensors of any shape).
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, adaptertest.Harness{
		New: func(t *testing.T, cfg adaptertest.Config) adapters.Adapter {
			a, err := New(Options{Backend: cfg.Backend, BaseURL: cfg.BaseURL, Client: cfg.Client,
				Model: cfg.Model, MaxResponseBytes: cfg.MaxResponseBytes, Format: Inputs})
			if err != nil {
				t.Fatal(err)
			}
			return a
		},
		Backend: func(_ *testing.T, s adaptertest.Scenario) http.Handler { return kitBackend{s} },
		Supports: adaptertest.Features{
			DTypes: []adapters.DType{adapters.Bool, adapters.Uint8, adapters.Uint16, adapters.Uint32, adapters.Uint64,
				adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64, adapters.FP32, adapters.FP64, adapters.Bytes},
			RequestedOutputs: true, // selected by the adapter: MLflow has no output selection
		},
		Expect: expectFromMLflow,
	})
}

// expectFromMLflow is what an identity model's answer looks like after a
// trip through MLflow's JSON with no MLmodel signature: a single input is
// sent bare and comes back as an unnamed prediction ("output-0"); integers
// come back INT64 (FP64 if one exceeds int64), FP32 values as the FP64
// reading of the text that jsontext.AppendFloat32 writes for them;
// requested outputs are selected by the adapter.
func expectFromMLflow(req *adapters.Request) *adapters.Response {
	resp := adaptertest.Identity(req)
	for i := range resp.Outputs {
		widen(&resp.Outputs[i])
	}
	if len(req.Inputs) == 1 && len(resp.Outputs) == 1 {
		resp.Outputs[0].Name = "output-0"
	}
	return resp
}

func widen(t *adapters.Tensor) {
	d := t.Data
	switch t.DType {
	case adapters.Int8, adapters.Int16, adapters.Int32:
		t.DType, t.Data = adapters.Int64, adapters.TensorData{Int64: convertAll(d.Int32, func(v int32) int64 { return int64(v) })}
	case adapters.Uint8, adapters.Uint16, adapters.Uint32:
		t.DType, t.Data = adapters.Int64, adapters.TensorData{Int64: convertAll(d.Uint32, func(v uint32) int64 { return int64(v) })}
	case adapters.Uint64:
		t.DType, t.Data = adapters.Int64, adapters.TensorData{Int64: convertAll(d.Uint64, func(v uint64) int64 { return int64(v) })}
		for _, v := range d.Uint64 {
			if v > math.MaxInt64 {
				t.DType, t.Data = adapters.FP64, adapters.TensorData{FP64: convertAll(d.Uint64, func(v uint64) float64 { return float64(v) })}
			}
		}
	case adapters.FP32:
		t.DType, t.Data = adapters.FP64, adapters.TensorData{FP64: convertAll(d.FP32, func(v float32) float64 {
			f, _ := jsontext.ParseFloat64(jsontext.AppendFloat32(nil, v, true))
			return f
		})}
	}
}

func convertAll[S, T any](in []S, f func(S) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// kitBackend is a fake MLflow scoring server acting out a conformance
// scenario (PROTOCOLS.md §3): GET /ping and POST /invocations (§3.1), the
// content-type check and the "inputs" layout (§3.2), {"predictions": …}
// answers (§3.3) and MlflowException bodies {"error_code", "message"} with
// the statuses of ERROR_CODE_TO_HTTP_STATUS, FastAPI's 404 {"detail"} for a
// server with no such model (§3.4). Its OK model echoes "inputs" as the
// predictions, number literals as they came.
type kitBackend struct{ s adaptertest.Scenario }

func (k kitBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ping := r.URL.Path == "/ping"
	switch k.s.Kind {
	case adaptertest.OK:
		if ping {
			writeBody(w, http.StatusOK, "application/json", "\n")
			return
		}
		echo(w, r, body)
	case adaptertest.ModelNotFound:
		writeBody(w, http.StatusNotFound, "application/json", `{"detail":"Not Found"}`)
	case adaptertest.BadInput:
		mlflowError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid input. Data is not compatible with model signature.", "")
	case adaptertest.RateLimited:
		w.Header().Set("Retry-After", "7")
		mlflowError(w, http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED", "Too many concurrent requests.", "")
	case adaptertest.ServerError:
		mlflowError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "The model's backing store failed.", "")
	case adaptertest.Unavailable:
		mlflowError(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "The model is warming up.", "")
	case adaptertest.MalformedBody:
		writeBody(w, http.StatusOK, "application/json", `{"predictions": [[1.0, 2`)
	case adaptertest.OversizedBody:
		writeBody(w, http.StatusOK, "application/json",
			`{"predictions": [`+strings.Repeat("1.0, ", 2*adaptertest.MaxResponseBytes/5)+`1.0]}`)
	default:
		w.WriteHeader(http.StatusTeapot)
	}
}

// echo answers the identity model: the request's "inputs" as predictions.
func echo(w http.ResponseWriter, r *http.Request, body []byte) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeBody(w, http.StatusUnsupportedMediaType, "text/plain; charset=utf-8", "Got '"+ct+"'.")
		return
	}
	v, err := jsontext.Parse(body)
	if err != nil || v.Get("inputs") == nil {
		mlflowError(w, http.StatusBadRequest, "BAD_REQUEST", formatError, "")
		return
	}
	writeBody(w, http.StatusOK, "application/json", `{"predictions": `+string(v.Get("inputs").AppendJSON(nil))+`}`)
}
