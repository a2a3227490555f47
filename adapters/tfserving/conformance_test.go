// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/jsontext"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// TestConformance runs the adapter conformance kit against kitBackend, a
// fake TF Serving that speaks the REST protocol of PROTOCOLS.md §1.
func TestConformance(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, adaptertest.Harness{
		New: func(t *testing.T, cfg adaptertest.Config) adapters.Adapter {
			a, err := New(Options{Backend: cfg.Backend, BaseURL: cfg.BaseURL, Client: cfg.Client,
				Model: cfg.Model, MaxResponseBytes: cfg.MaxResponseBytes})
			if err != nil {
				t.Fatal(err)
			}
			return kitPlatform{a}
		},
		Backend: func(_ *testing.T, s adaptertest.Scenario) http.Handler { return kitBackend{s} },
		Supports: adaptertest.Features{
			DTypes: []adapters.DType{adapters.Bool, adapters.Uint8, adapters.Uint16, adapters.Uint32, adapters.Uint64,
				adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64, adapters.FP32, adapters.FP64, adapters.Bytes},
			Metadata:         true,
			Versions:         true,
			RequestedOutputs: true, // selected by the adapter: TF Serving returns every output
		},
		Expect: expectFromTFServing,
	})
}

// expectFromTFServing is what an identity model's answer looks like after
// a trip through TF Serving's JSON without a cached signature: a single
// output is unnamed ("output-0"), integers come back INT64 (FP64 if one
// exceeds int64), FP32 values as the FP64 reading of the text that
// jsontext.AppendFloat32 writes for them, and requested outputs are
// selected by the adapter.
func expectFromTFServing(req *adapters.Request) *adapters.Response {
	resp := adaptertest.Identity(req)
	for i := range resp.Outputs {
		widen(&resp.Outputs[i])
	}
	if len(req.Inputs) == 1 && len(resp.Outputs) == 1 {
		resp.Outputs[0].Name = v1json.DefaultOutputName
	}
	return resp
}

func widen(t *adapters.Tensor) {
	d := t.Data
	switch t.DType {
	case adapters.Int8, adapters.Int16, adapters.Int32:
		t.Data = adapters.TensorData{Int64: mapSlice(d.Int32, func(v int32) int64 { return int64(v) })}
	case adapters.Uint8, adapters.Uint16, adapters.Uint32:
		t.Data = adapters.TensorData{Int64: mapSlice(d.Uint32, func(v uint32) int64 { return int64(v) })}
	case adapters.Uint64:
		t.DType = adapters.Int64
		t.Data = adapters.TensorData{Int64: mapSlice(d.Uint64, func(v uint64) int64 { return int64(v) })}
		for _, v := range d.Uint64 {
			if v > math.MaxInt64 {
				t.DType = adapters.FP64
				t.Data = adapters.TensorData{FP64: mapSlice(d.Uint64, func(v uint64) float64 { return float64(v) })}
			}
		}
		return
	case adapters.FP32:
		t.DType = adapters.FP64
		t.Data = adapters.TensorData{FP64: mapSlice(d.FP32, func(v float32) float64 {
			f, _ := jsontext.ParseFloat64(jsontext.AppendFloat32(nil, v, true))
			return f
		})}
		return
	default:
		return
	}
	t.DType = adapters.Int64
}

// kitBackend is a fake TF Serving acting out a conformance scenario in the
// REST protocol (PROTOCOLS.md §1): the path patterns of §1.1 (case-
// insensitive; other models or versions are unknown), :predict bodies
// read and written by v1json like util/json_tensor.cc (§1.2, §1.3), the
// status and metadata answers of §1.3, and the {"error": …} bodies and
// statuses of §1.4. Its OK model echoes each input as the output of the
// same name; its signature is adaptertest.Signature.
type kitBackend struct{ s adaptertest.Scenario }

func (k kitBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	status, out, header := k.answer(r.Method, r.URL.EscapedPath(), body)
	w.Header().Set("Content-Type", "application/json")
	for h, v := range header {
		w.Header().Set(h, v)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

func (k kitBackend) answer(method, path string, body []byte) (int, string, map[string]string) {
	req, m := k.route(method, path)
	if m == nil {
		st, msg := tfError(http.StatusBadRequest, "Malformed request: "+method+" "+path)
		return st, msg, nil
	}
	name, _ := url.PathUnescape(m[1])
	spec := servableSpec{name: name, version: m[2]}
	switch k.s.Kind {
	case adaptertest.OK:
		return k.ok(req, spec, body)
	case adaptertest.ModelNotFound:
		return notFound(req, spec)
	case adaptertest.BadInput:
		st, msg := tfError(http.StatusBadRequest, `JSON Value: "x" Type: String is not of expected type: float`)
		return st, msg, nil
	case adaptertest.RateLimited:
		st, msg := tfError(http.StatusTooManyRequests, "The batch scheduling queue to which this task was submitted is full")
		return st, msg, map[string]string{"Retry-After": "7"}
	case adaptertest.ServerError:
		st, msg := tfError(http.StatusInternalServerError, "Internal: session run failed")
		return st, msg, nil
	case adaptertest.Unavailable:
		if req == "status" {
			return http.StatusOK, statusAnswer(spec, "LOADING"), nil
		}
		st, msg := tfError(http.StatusServiceUnavailable, "Model labels does not init yet.")
		return st, msg, nil
	case adaptertest.MalformedBody:
		return http.StatusOK, `{"outputs": [[1.0], [2.`, nil
	case adaptertest.OversizedBody:
		return http.StatusOK, `{"outputs": [` + strings.Repeat("1.0, ", 2*adaptertest.MaxResponseBytes/5) + `1.0]}`, nil
	}
	return http.StatusTeapot, "", nil
}

// route names the endpoint a request addresses: predict, status or
// metadata, with the path's submatches.
func (k kitBackend) route(method, path string) (string, []string) {
	if method == http.MethodPost {
		if m := predictPath.FindStringSubmatch(path); m != nil && strings.EqualFold(m[4], "predict") {
			return "predict", m
		}
		return "", nil
	}
	m := statusPath.FindStringSubmatch(path)
	if m == nil || m[1] == "" {
		return "", nil
	}
	if m[4] != "" {
		return "metadata", m
	}
	return "status", m
}

// served reports whether spec is the scenario's model.
func (k kitBackend) served(spec servableSpec) bool {
	return spec.name == k.s.Model.Name && spec.version == k.s.Model.Version
}

func notFound(req string, spec servableSpec) (int, string, map[string]string) {
	msg := "Servable not found for request: " + spec.String()
	if req == "status" {
		msg = "Could not find any versions of model " + spec.name
		if spec.version != "" {
			msg = "Could not find version " + spec.version + " of model " + spec.name
		}
	}
	st, out := tfError(http.StatusNotFound, msg)
	return st, out, nil
}

func (k kitBackend) ok(req string, spec servableSpec, body []byte) (int, string, map[string]string) {
	if !k.served(spec) {
		return notFound(req, spec)
	}
	version := k.s.Model.Version
	if version == "" {
		version = "1"
	}
	switch req {
	case "status":
		return http.StatusOK, statusAnswer(servableSpec{version: version}, "AVAILABLE"), nil
	case "metadata":
		return http.StatusOK, metadataAnswer(k.s.Model), nil
	}
	pr, err := v1json.DecodePredictRequest(body, nil)
	if err != nil {
		st, msg := tfError(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "invalid input: "))
		return st, msg, nil
	}
	out, err := v1json.AppendPredictResponse(nil, pr.Format, pr.Inputs)
	if err != nil {
		st, msg := tfError(http.StatusBadRequest, err.Error())
		return st, msg, nil
	}
	return http.StatusOK, string(out), nil
}

func statusAnswer(spec servableSpec, state string) string {
	v := spec.version
	if v == "" {
		v = "1"
	}
	return fmt.Sprintf(`{"model_version_status": [{"version": %q, "state": %q, "status": {"error_code": "OK", "error_message": ""}}]}`, v, state)
}

// metadataAnswer renders adaptertest.Signature as TF Serving's metadata
// answer. The version is printed only for a versioned request, so the
// adapter's Versions match the kit's expectation (TF Serving prints the
// resolved version either way).
func metadataAnswer(m adapters.ModelRef) string {
	sig := adaptertest.Signature(m)
	version := `""`
	if m.Version != "" {
		version = strconv.Quote(m.Version)
	}
	return fmt.Sprintf(`{"model_spec": {"name": %s, "signature_name": "", "version": %s},
"metadata": {"signature_def": {"signature_def": {"serving_default": {"inputs": {%s}, "outputs": {%s}, "method_name": "tensorflow/serving/predict"}}}}}`,
		jsontext.AppendString(nil, m.Name), version, tensorInfos(sig.Inputs), tensorInfos(sig.Outputs))
}

// kitPlatform reports the kit's fixed platform, "conformance", in place of
// Platform: TF Serving's metadata names no platform for the fake to answer
// (the adapter says "tensorflow"), and the kit compares metadata with
// adaptertest.Signature whole. Nothing else is touched; the golden cases
// check Platform.
type kitPlatform struct{ *Adapter }

func (k kitPlatform) ModelMetadata(ctx context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
	md, err := k.Adapter.ModelMetadata(ctx, m)
	if md != nil {
		md.Platform = adaptertest.Signature(m).Platform
	}
	return md, err
}
