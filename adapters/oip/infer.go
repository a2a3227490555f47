// SPDX-License-Identifier: Apache-2.0

package oip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// Infer runs req through POST /v2/models/{m}[/versions/{v}]/infer. The
// request's id, parameters and requested outputs are forwarded; the
// answer's id, model name and version come back in the Response (the
// request's id and the addressed model when the server leaves them out).
// Raw payloads are refused with errors.ErrUnsupported: OIP JSON carries
// tensors only. When req.Source is set (the client's own OIP body, as the
// gateway received it), those bytes are sent instead of re-encoding req.
// When req.AcceptOIPOutputs is set, the answer's outputs are checked but
// not decoded, and come back as written in Response.OIPOutputs.
func (a *Adapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	if req == nil {
		call := jsonhttp.Call{Op: opInfer, Backend: a.backend, Model: a.model.String()}
		return nil, call.Error(0, fmt.Errorf("%w: no request", adapters.ErrInvalidInput))
	}
	m, call, err := a.begin(opInfer, req.Model)
	if err != nil {
		return nil, err
	}
	body, err := encode(req)
	if err != nil {
		return nil, call.Error(0, err)
	}
	var u *url.URL
	if a.inferURL != nil && m == a.model {
		c := *a.inferURL // a copy per call: the request owns its URL
		u = &c
	} else {
		u = a.endpoint(m, "infer")
	}
	var hold func() func()
	if req.Source != nil {
		hold = req.SourceHold // body is Source: hold it while it is read
	}
	hreq, err := jsonhttp.NewRequestHeld(ctx, http.MethodPost, u, body, hold, "application/json")
	if err != nil {
		return nil, call.Error(0, fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err))
	}
	resp, data, err := call.Do(a.client, hreq, a.maxBytes)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, call.StatusError(resp, data, kindFor(resp.StatusCode, data))
	}
	decode := adapters.DecodeResponse
	if req.AcceptOIPOutputs {
		decode = adapters.ScanResponse // the caller writes OIP: keep the outputs as written
	}
	out, err := decode(data)
	if err != nil {
		return nil, call.Error(resp.StatusCode, jsonhttp.Malformed(err))
	}
	if len(out.Outputs) == 0 {
		// The protocol requires outputs; a body without any is not an
		// inference answer (a v1 {"predictions": …}, an unrelated JSON).
		return nil, call.Error(resp.StatusCode, fmt.Errorf("%w: the answer has no outputs", adapters.ErrBadUpstream))
	}
	if out.ID == "" {
		out.ID = req.ID
	}
	if out.Model.Name == "" {
		out.Model = m
	}
	return out, nil
}

// encode checks req and renders the OIP JSON body, or returns req.Source,
// the client's own OIP body, when the gateway passed it on. Errors carry a
// kind.
func encode(req *adapters.Request) ([]byte, error) {
	if req.Raw != nil {
		return nil, fmt.Errorf("%w: OIP JSON carries tensors, not a raw %q payload", errors.ErrUnsupported, req.Raw.ContentType)
	}
	if len(req.Inputs) == 0 {
		return nil, fmt.Errorf("%w: the request has no inputs", adapters.ErrInvalidInput)
	}
	if req.Source != nil {
		return req.Source, nil
	}
	body, err := adapters.AppendRequest(nil, req)
	if err != nil {
		if jsonhttp.IsKind(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err)
	}
	return body, nil
}

// kindFor maps a non-200 answer to infer or metadata onto a kind: the
// default table, except that a 500 with a JSON error message is the model
// failing (KServe's InferenceError and other exceptions from model code,
// Triton's INTERNAL), while a bare 500 (a proxy, a crash) stays a bad
// upstream; and a 413 says our request was too large for the server.
func kindFor(status int, body []byte) error {
	switch status {
	case http.StatusInternalServerError:
		if jsonhttp.ErrorMessage(body) != "" {
			return adapters.ErrModelFailed
		}
	case http.StatusRequestEntityTooLarge:
		return adapters.ErrInvalidInput
	}
	return jsonhttp.KindForStatus(status)
}
