// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// ModelReady asks GET {base}/readyz: 200 is ready; 503 (the service's
// __is_ready__ returned False, or a dependency is not ready) and any other
// server error is ErrUnavailable; 404 (nothing at that address: a wrong URL
// or path prefix) is ErrModelNotFound. The model argument is ignored:
// readiness is the service's, and BentoML cannot say whether one API exists
// (ModelMetadata and Infer can).
func (a *Adapter) ModelReady(ctx context.Context, _ adapters.ModelRef) error {
	call := a.call("ready")
	resp, data, err := a.get(ctx, call, a.readyz)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		kind := jsonhttp.KindForStatus(resp.StatusCode)
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
			kind = adapters.ErrUnavailable
		}
		e := call.StatusError(resp, data, kind)
		if e.Message == "" && resp.StatusCode == http.StatusServiceUnavailable {
			// The body is Starlette's plain-text detail, never echoed.
			e.Message = "the service reports not ready"
		}
		return e
	}
	return nil
}

// ModelMetadata describes the API from the service's GET /schema.json (see
// schema.go for why not /docs.json) and caches it: from the first success
// on, Infer validates requests against the cached schema without asking
// again. Each ModelMetadata call makes its one round trip and refreshes the
// cache, so a redeployed service's new signature is picked up.
//
// Inputs are named by tensor name (the reverse of Options.Params) and typed
// from the JSON schema: number FP64, integer INT64, string BYTES, boolean
// BOOL, files BYTES; each level of array is a -1 dimension (list[list[float]]
// is FP64 [-1, -1]) and a scalar has shape []; BentoML tensors (np.ndarray
// annotated with a dtype and shape) keep them; untyped parameters (Any,
// dict, pydantic models) are BYTES [-1]. A root-input API has one input,
// named by the single Options.Params entry or "input-0". Outputs come from
// the return type: one per property of an object, else one named
// OutputNames[0] (or "output-0"); none when the API answers a file, an image
// or another non-JSON media type.
//
// An API missing from the schema is ErrModelNotFound.
func (a *Adapter) ModelMetadata(ctx context.Context, _ adapters.ModelRef) (*adapters.ModelMetadata, error) {
	call := a.call("metadata")
	resp, data, err := a.get(ctx, call, a.schemaURL)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, call.StatusError(resp, data, nil)
	}
	s, err := parseSchema(data, a.route, a.api)
	if errors.Is(err, errNoAPI) {
		e := call.Error(resp.StatusCode, adapters.ErrModelNotFound)
		e.Message = adapters.TrimMessage(err.Error())
		return nil, e
	}
	if err != nil {
		return nil, call.Error(resp.StatusCode, jsonhttp.Malformed(fmt.Errorf("schema.json: %v", err)))
	}
	a.schema.Store(s)
	return a.metadata(s), nil
}

// metadata renders the cached schema as OIP metadata.
func (a *Adapter) metadata(s *apiSchema) *adapters.ModelMetadata {
	m := &adapters.ModelMetadata{Name: a.model.Name, Platform: Platform,
		Inputs: []adapters.TensorMetadata{}, Outputs: []adapters.TensorMetadata{}}
	if m.Name == "" {
		m.Name = a.api
	}
	if a.model.Version != "" {
		m.Versions = []string{a.model.Version}
	}
	for i := range s.params {
		p := &s.params[i]
		name := a.tensorOf(p.name)
		if s.rootInput {
			name = a.rootName()
		}
		m.Inputs = append(m.Inputs, p.metadata(name))
	}
	for i := range s.outputs {
		p := &s.outputs[i]
		name := p.name
		if name == "" {
			name = outputName(a.outputNames, i)
		}
		m.Outputs = append(m.Outputs, p.metadata(name))
	}
	return m
}

// rootName names a root-input API's single input.
func (a *Adapter) rootName() string {
	if len(a.params) == 1 {
		for tensor := range a.params {
			return tensor
		}
	}
	return "input-0"
}

// get performs one GET round trip; the body is read (bounded) and closed.
func (a *Adapter) get(ctx context.Context, call jsonhttp.Call, u *url.URL) (*http.Response, []byte, error) {
	req, err := jsonhttp.NewRequest(ctx, http.MethodGet, u, nil, "")
	if err != nil {
		return nil, nil, call.Error(0, err)
	}
	return call.Do(a.client, req, a.maxBytes)
}
