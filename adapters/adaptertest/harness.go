// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// The fixed values of the suite. Fakes use them to answer as Run expects.
const (
	// BackendName is the backend name Run configures (Config.Backend) and
	// expects in every *adapters.Error.
	BackendName = "conformance"
	// ModelName is the backend model Run addresses.
	ModelName = "conformance-model"
	// ModelVersion is the version Run addresses when Features.Versions is set.
	ModelVersion = "3"
	// MaxResponseBytes is the response limit Run configures
	// (Config.MaxResponseBytes). OversizedBody fakes write at least twice
	// as much.
	MaxResponseBytes = 64 << 10
	// RetryAfter is what RateLimited fakes send as "Retry-After: 7" and what
	// Run expects in adapters.Error.RetryAfter.
	RetryAfter = 7 * time.Second
	// Promptly bounds how long a call may take to return once its context
	// is done.
	Promptly = time.Second
	// Concurrency is the number of goroutines of the concurrent-use test.
	Concurrency = 32
)

// Config is what Run hands Harness.New: everything an adapter's Options need.
type Config struct {
	// BaseURL is the fake backend's base URL.
	BaseURL *url.URL
	// Client is the client the adapter must use for every upstream call.
	// Run wraps its transport to count requests and unclosed bodies.
	Client *http.Client
	// Backend is the backend name (BackendName).
	Backend string
	// Model is the backend model the adapter serves: ModelName, with
	// ModelVersion in the versioned tests. Run also passes it in every
	// Request.Model and every ModelReady/ModelMetadata call.
	Model adapters.ModelRef
	// MaxResponseBytes is the response size limit (MaxResponseBytes).
	MaxResponseBytes int64
}

// Harness describes the adapter under test and a fake of its backend.
type Harness struct {
	// New builds the adapter under test from cfg. It calls t.Fatal if the
	// adapter cannot be built.
	New func(t *testing.T, cfg Config) adapters.Adapter
	// Backend returns a fake backend that speaks the adapter's wire
	// protocol (as PROTOCOLS.md records it) and behaves as the scenario
	// says; see Kind for each scenario's contract. Run starts one
	// httptest.Server per test around it.
	Backend func(t *testing.T, s Scenario) http.Handler
	// Supports says what the backend and adapter can do.
	Supports Features
	// Expect, if set, returns the response the adapter must produce for an
	// OK request, for adapters whose protocol cannot round-trip the request
	// exactly (unnamed outputs, widened dtypes). If nil, Identity.
	Expect func(req *adapters.Request) *adapters.Response
}

// Features says which parts of the suite apply.
type Features struct {
	// DTypes are the datatypes the fake round-trips in the OK scenario:
	// one test per dtype, one with all of them in one request. FP16 and
	// BF16 have no representation in adapters.TensorData and are refused.
	DTypes []adapters.DType
	// Raw: the adapter passes Request.Raw payloads through and the fake
	// echoes them. If false, Infer with a Raw payload must fail with
	// errors.ErrUnsupported before any upstream request.
	Raw bool
	// Metadata: the adapter reads model metadata from the backend. If
	// false, ModelMetadata must fail with errors.ErrUnsupported before any
	// upstream request.
	Metadata bool
	// Versions: the adapter can address model versions, and the fake
	// serves ModelVersion of ModelName when Scenario.Model says so.
	Versions bool
	// RequestedOutputs: the adapter forwards Request.Outputs and the fake
	// returns only the outputs requested.
	RequestedOutputs bool
}

// Scenario is one behaviour the fake backend must act out.
type Scenario struct {
	// Kind is the behaviour.
	Kind Kind
	// Model is the model the fake serves. Fakes of backends that name the
	// model in the path answer "model not found", in their dialect, to
	// requests for any other model or version.
	Model adapters.ModelRef
}

// Kind is a scenario's behaviour. Fakes answer every request, whatever the
// endpoint, as their backend would in that situation:
//
//   - OK: the identity model. Infer answers each input tensor as an output
//     of the same name, datatype, shape and data, in input order — only the
//     requested ones, in request order, if the request names outputs and
//     Features.RequestedOutputs is set — with the request's id and the
//     addressed model (name and version); a Raw request is echoed with its
//     content type. Readiness answers ready. Metadata answers
//     Signature(Scenario.Model). Fakes must keep numbers exact: decode
//     with json.Decoder.UseNumber, never through float64.
//   - ModelNotFound: the backend does not know the model.
//   - BadInput: infer answers the backend's invalid-input error (400/422).
//   - RateLimited: HTTP 429 with "Retry-After: 7" and the backend's body.
//   - ServerError: HTTP 500 with the backend's internal-error body.
//   - Unavailable: infer and metadata answer 503 (the backend's overload
//     answer); readiness answers "not ready" as the backend does.
//   - MalformedBody: HTTP 200 with a body that is not a valid answer of the
//     protocol (truncated JSON, HTML).
//   - OversizedBody: HTTP 200 with a body of at least 2×MaxResponseBytes.
//
// Hanging, refused and hung-up connections are protocol-independent: Run
// produces them itself and never asks the fake.
type Kind int

// The scenario kinds.
const (
	OK Kind = iota + 1
	ModelNotFound
	BadInput
	RateLimited
	ServerError
	Unavailable
	MalformedBody
	OversizedBody
)

var kindNames = [...]string{
	OK: "ok", ModelNotFound: "model not found", BadInput: "bad input", RateLimited: "rate limited",
	ServerError: "server error", Unavailable: "unavailable", MalformedBody: "malformed body",
	OversizedBody: "oversized body",
}

// String names k in lower case, as test names use it.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Signature is the model metadata OK fakes serve for model: one input and
// one output, FP32 of shape [-1, 2].
func Signature(model adapters.ModelRef) *adapters.ModelMetadata {
	m := &adapters.ModelMetadata{
		Name:     model.Name,
		Platform: "conformance",
		Inputs:   []adapters.TensorMetadata{{Name: "x_fp32", DType: adapters.FP32, Shape: []int64{-1, 2}}},
		Outputs:  []adapters.TensorMetadata{{Name: "y_fp32", DType: adapters.FP32, Shape: []int64{-1, 2}}},
	}
	if model.Version != "" {
		m.Versions = []string{model.Version}
	}
	return m
}

// Identity is the default expectation for an OK request: the inputs back
// as outputs (only the requested ones, in request order, if req.Outputs is
// set), req's id and model, no parameters; a Raw payload comes back as it is.
func Identity(req *adapters.Request) *adapters.Response {
	resp := &adapters.Response{ID: req.ID, Model: req.Model}
	if req.Raw != nil {
		resp.Raw = &adapters.Payload{ContentType: req.Raw.ContentType, Data: append([]byte(nil), req.Raw.Data...)}
		return resp
	}
	if req.Outputs == nil {
		for _, in := range req.Inputs {
			resp.Outputs = append(resp.Outputs, in.Clone())
		}
		return resp
	}
	for _, o := range req.Outputs {
		if in := req.Input(o.Name); in != nil {
			resp.Outputs = append(resp.Outputs, in.Clone())
		}
	}
	return resp
}
