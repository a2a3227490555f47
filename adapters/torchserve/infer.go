// SPDX-License-Identifier: Apache-2.0

package torchserve

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

// Infer runs req on the target's model with one POST
// {base}/predictions/{model}[/{version}]. The model is the one of Options;
// req.Model is ignored, so a client can never pick another model. Request
// parameters and output parameters have no TorchServe equivalent and are
// not sent; req.Outputs selects among the decoded outputs.
//
// The body follows Options.Envelope. A Raw payload is sent as is, with its
// Content-Type (application/octet-stream if empty), whatever the envelope.
//
// TorchServe answers whatever the handler returned, usually without a
// Content-Type (PROTOCOLS.md §2.3). With EnvelopeInstances the answer to
// tensors must be {"predictions": …} and is decoded as TF Serving's row
// format. Otherwise (and for raw payloads) a body without a Content-Type or
// with a JSON one is tried as lenient JSON (Python's json module writes NaN
// and Infinity); if it declares JSON and is not, it is ErrBadUpstream. As
// JSON, null is an answer with no
// outputs; an array or scalar is one output named OutputNames[0] (or
// "output-0"), its dtype inferred (integers INT64, any float FP64, strings
// BYTES, booleans BOOL); an object is one output per member, named by the
// member. JSON that is not tensor-shaped (ragged lists, objects in lists,
// mixed types) is returned as a Raw application/json payload, and a body that
// is not JSON as a Raw payload with the answer's Content-Type
// (application/octet-stream if none): a torch.save tensor, an image.
func (a *Adapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	call := a.call("infer")
	body, ctype, err := a.encode(req)
	if err != nil {
		return nil, call.Error(0, err)
	}
	hreq, err := jsonhttp.NewRequest(ctx, http.MethodPost, a.predict, body, ctype)
	if err != nil {
		return nil, call.Error(0, err)
	}
	authorize(hreq, a.token)
	resp, data, err := call.Do(a.client, hreq, a.maxBytes)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, a.statusError(call, resp, data, "Options.Token")
	}
	out, err := a.decode(data, resp.Header.Get("Content-Type"), req.Raw != nil)
	if err != nil {
		return nil, call.Error(resp.StatusCode, err)
	}
	out.ID, out.Model = req.ID, a.model
	if err := v1json.SelectOutputs(out, req.Outputs); err != nil {
		return nil, call.Error(resp.StatusCode, err)
	}
	return out, nil
}

// encode builds the request body and its Content-Type.
func (a *Adapter) encode(req *adapters.Request) ([]byte, string, error) {
	if req.Raw != nil {
		if len(req.Inputs) > 0 {
			return nil, "", fmt.Errorf("%w: a request carries either tensors or a raw payload, not both", adapters.ErrInvalidInput)
		}
		ctype := req.Raw.ContentType
		if ctype == "" {
			ctype = mediaBinary
		}
		return req.Raw.Data, ctype, jsonhttp.CheckContentType(ctype)
	}
	if err := adapters.ValidateInputs(req.Inputs); err != nil {
		return nil, "", err
	}
	switch a.envelope {
	case EnvelopeRaw:
		return nil, "", fmt.Errorf("%w: this TorchServe target takes a raw payload (envelope raw), not tensors", adapters.ErrInvalidInput)
	case EnvelopeInstances:
		body, err := v1json.AppendPredictRequest(nil, v1json.Row, "", req.Inputs)
		return body, mediaJSON, err
	}
	body, err := appendInputsJSON(nil, req.Inputs)
	return body, mediaJSON, err
}

// appendInputsJSON writes EnvelopeJSON's body: one input as its nested data,
// several as an object keyed by input name, in request order.
func appendInputsJSON(dst []byte, inputs []adapters.Tensor) ([]byte, error) {
	if len(inputs) == 1 {
		return appendTensor(dst, &inputs[0])
	}
	dst = append(dst, '{')
	for i := range inputs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendString(dst, inputs[i].Name)
		dst = append(dst, ':')
		var err error
		if dst, err = appendTensor(dst, &inputs[i]); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendTensor writes one tensor's data as nested JSON arrays; an encoding
// failure names the tensor and is the client's (its data cannot be JSON).
func appendTensor(dst []byte, t *adapters.Tensor) ([]byte, error) {
	if err := jsonhttp.CheckUTF8(t); err != nil {
		return nil, err
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
