// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
	"github.com/modelgate/modelgate/adapters/jsontext"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// Media types the adapter sends and falls back to.
const (
	mediaJSON   = "application/json"
	mediaBinary = "application/octet-stream"
)

// Infer calls the API with one POST {base}/{api}. req.Model is ignored: a
// BentoML service serves what it serves. Request parameters and output
// parameters have no BentoML equivalent and are not sent; req.Outputs
// selects among the decoded outputs.
//
// Tensors travel as a JSON object {parameter: nested data} (PROTOCOLS.md
// §4.2), each tensor under its Options.Params name or its own. Once the
// schema is cached (see ModelMetadata) the request is checked against it
// before any upstream call — unknown inputs, missing required parameters,
// files — a root-input API gets the single tensor's data as the whole body,
// and a one-element tensor for a scalar parameter is sent as the bare value
// (OIP clients often cannot send shape []). A Raw payload is sent as is,
// with its Content-Type (application/octet-stream if empty; BentoML reads
// unknown types as JSON), for root-input APIs or a hand-made JSON body; form
// bodies are refused. URL-like strings are refused where BentoML would
// fetch them (see ssrf.go).
//
// The answer is the API's return value without a wrapper (§4.3). JSON (or no
// Content-Type): null is an answer with no outputs; an array or scalar is
// one output named OutputNames[0] (or "output-0") with its dtype inferred
// (integers INT64, any float FP64, strings BYTES, booleans BOOL) and shape []
// for a scalar; an object is one output per member. Pydantic writes NaN as
// null, so a null inside an array or as an object member is read as NaN.
// JSON that is not tensor-shaped is returned as a Raw application/json
// payload. text/plain (an API returning str) is one BYTES output of shape [];
// anything else (image/*, files, streams) is a Raw payload.
func (a *Adapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	call := a.call("infer")
	body, ctype, err := a.encode(req, a.schema.Load())
	if err != nil {
		return nil, call.Error(0, err)
	}
	hreq, err := jsonhttp.NewRequest(ctx, http.MethodPost, a.infer, body, ctype)
	if err != nil {
		return nil, call.Error(0, err)
	}
	resp, data, err := call.Do(a.client, hreq, a.maxBytes)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, a.statusError(call, resp, data)
	}
	out, err := decodeAnswer(data, resp.Header.Get("Content-Type"), a.outputNames)
	if err != nil {
		return nil, call.Error(resp.StatusCode, err)
	}
	out.ID, out.Model = req.ID, a.model
	if err := v1json.SelectOutputs(out, req.Outputs); err != nil {
		return nil, call.Error(resp.StatusCode, err)
	}
	return out, nil
}

// encode builds the request body and its Content-Type; s is the cached
// schema, or nil.
func (a *Adapter) encode(req *adapters.Request, s *apiSchema) ([]byte, string, error) {
	if req.Raw != nil {
		return encodeRaw(req)
	}
	if err := adapters.ValidateInputs(req.Inputs); err != nil {
		return nil, "", err
	}
	if s == nil {
		return a.encodeUnchecked(req.Inputs)
	}
	if s.rootInput {
		return encodeRoot(req.Inputs, s)
	}
	if err := a.checkAgainst(req.Inputs, s); err != nil {
		return nil, "", err
	}
	return a.encodeObject(req.Inputs, s)
}

// encodeRaw passes a raw payload through, refusing URL bodies.
func encodeRaw(req *adapters.Request) ([]byte, string, error) {
	if len(req.Inputs) > 0 {
		return nil, "", fmt.Errorf("%w: a request carries either tensors or a raw payload, not both", adapters.ErrInvalidInput)
	}
	ctype := req.Raw.ContentType
	if ctype == "" {
		ctype = mediaBinary
	}
	if err := jsonhttp.CheckContentType(ctype); err != nil {
		return nil, "", err
	}
	switch mediaType(ctype) {
	case "multipart/form-data", "application/x-www-form-urlencoded":
		return nil, "", fmt.Errorf("%w: the gateway does not forward form bodies (%s) to BentoML: "+
			"it downloads URLs given in file fields", adapters.ErrInvalidInput, mediaType(ctype))
	}
	if urlLike(req.Raw.Data) {
		return nil, "", fmt.Errorf("%w: the raw payload is a URL; the gateway does not forward URLs for BentoML to download",
			adapters.ErrInvalidInput)
	}
	return req.Raw.Data, ctype, nil
}

// encodeUnchecked is the body when no schema is cached: every input by its
// parameter name, URL-like strings refused everywhere.
func (a *Adapter) encodeUnchecked(inputs []adapters.Tensor) ([]byte, string, error) {
	for i := range inputs {
		if err := refuseURLs(&inputs[i], "to BentoML (its file parameters download them)"); err != nil {
			return nil, "", err
		}
	}
	return a.encodeObject(inputs, nil)
}

// encodeRoot is the body of a root-input API: the one tensor's data.
func encodeRoot(inputs []adapters.Tensor, s *apiSchema) ([]byte, string, error) {
	if len(inputs) != 1 {
		return nil, "", fmt.Errorf("%w: API %q takes a single (root) input, the request has %d",
			adapters.ErrInvalidInput, s.name, len(inputs))
	}
	t, p := &inputs[0], &s.params[0]
	if err := checkValue(t, p); err != nil {
		return nil, "", err
	}
	body, err := appendTensor(nil, t, p)
	return body, mediaJSON, err
}

// checkAgainst checks the inputs against the API's parameters.
func (a *Adapter) checkAgainst(inputs []adapters.Tensor, s *apiSchema) error {
	given := make(map[string]bool, len(inputs))
	for i := range inputs {
		t := &inputs[i]
		name := a.paramOf(t.Name)
		given[name] = true
		p := s.param(name)
		if p == nil {
			if s.variadic {
				continue
			}
			return fmt.Errorf("%w: input %q: API %q has no parameter %q (parameters: %s)",
				adapters.ErrInvalidInput, t.Name, s.name, name, s.paramNames())
		}
		if err := checkValue(t, p); err != nil {
			return err
		}
	}
	for i := range s.params {
		if p := &s.params[i]; p.required && !given[p.name] {
			return fmt.Errorf("%w: missing input %q (required parameter %q of API %q)",
				adapters.ErrInvalidInput, a.tensorOf(p.name), p.name, s.name)
		}
	}
	return nil
}

// checkValue applies a parameter's URL and file rules to a tensor.
func checkValue(t *adapters.Tensor, p *param) error {
	switch p.kind {
	case fileParam:
		return refuseFile(t, p)
	case urlParam:
		return refuseURLs(t, fmt.Sprintf("to parameter %q (format uri/binary)", p.name))
	}
	return nil
}

// encodeObject writes {parameter: nested data, …} in request order.
func (a *Adapter) encodeObject(inputs []adapters.Tensor, s *apiSchema) ([]byte, string, error) {
	dst := []byte{'{'}
	for i := range inputs {
		if i > 0 {
			dst = append(dst, ',')
		}
		name := a.paramOf(inputs[i].Name)
		dst = jsontext.AppendString(dst, name)
		dst = append(dst, ':')
		var p *param
		if s != nil {
			p = s.param(name)
		}
		var err error
		if dst, err = appendTensor(dst, &inputs[i], p); err != nil {
			return nil, "", err
		}
	}
	return append(dst, '}'), mediaJSON, nil
}

// appendTensor writes a tensor's data as nested JSON; a one-element tensor
// for a scalar parameter (p may be nil) as the bare value.
func appendTensor(dst []byte, t *adapters.Tensor, p *param) ([]byte, error) {
	if err := jsonhttp.CheckUTF8(t); err != nil {
		return nil, err
	}
	if p != nil && p.scalar() && len(t.Shape) > 0 && t.Data.Len() == 1 {
		scalar := *t
		scalar.Shape = nil
		t = &scalar
	}
	out, err := v1json.AppendTensorJSON(dst, t)
	if err != nil {
		if errors.Is(err, adapters.ErrInvalidInput) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: input %q: %v", adapters.ErrInvalidInput, t.Name, err)
	}
	return out, nil
}
