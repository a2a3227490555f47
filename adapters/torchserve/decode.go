// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"fmt"
	"mime"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
	"github.com/modelgate/modelgate/adapters/jsontext"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// decode turns a 2xx answer into a Response (see Infer for the rules); raw
// says the request was a Raw payload, whose answer is never enveloped.
func (a *Adapter) decode(data []byte, ctype string, raw bool) (*adapters.Response, error) {
	if a.envelope == EnvelopeInstances && !raw {
		outs, err := v1json.DecodePredictResponse(data, v1json.Row, a.outputNames)
		if err != nil {
			return nil, jsonhttp.Malformed(fmt.Errorf("instances envelope answer: %v", err))
		}
		return &adapters.Response{Outputs: outs}, nil
	}
	return decodeAnswer(data, ctype, a.outputNames)
}

// decodeAnswer interprets a handler's free-form answer: tensors when it is
// tensor-shaped JSON, a Raw payload otherwise. Only a body whose
// Content-Type claims JSON and that does not parse is an error; without a
// Content-Type any body is some handler's valid answer.
func decodeAnswer(data []byte, ctype string, names []string) (*adapters.Response, error) {
	declared := strings.TrimSpace(ctype) != ""
	if isJSONMedia(ctype) {
		v, err := jsontext.Parse(data)
		switch {
		case err == nil:
			if outs, ok := tensorsOf(v, names); ok {
				return &adapters.Response{Outputs: outs}, nil
			}
			if !declared {
				return &adapters.Response{Raw: &adapters.Payload{ContentType: mediaJSON, Data: data}}, nil
			}
		case declared:
			return nil, jsonhttp.Malformed(fmt.Errorf("answer declared %s: %v", ctype, err))
		}
	}
	if !declared {
		ctype = mediaBinary
	}
	return &adapters.Response{Raw: &adapters.Payload{ContentType: ctype, Data: data}}, nil
}

// isJSONMedia reports whether an answer's Content-Type allows JSON: none at
// all (TorchServe's usual answer), application/json or a +json type.
func isJSONMedia(ctype string) bool {
	if strings.TrimSpace(ctype) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		return false
	}
	return mt == mediaJSON || strings.HasSuffix(mt, "+json")
}

// tensorsOf maps a JSON answer to tensors: null to none, an object to one
// tensor per member, anything else to one tensor named names[0] or
// "output-0". ok is false when the JSON is not tensor-shaped.
func tensorsOf(v *jsontext.Value, names []string) (outs []adapters.Tensor, ok bool) {
	switch v.Kind() {
	case jsontext.Null:
		return []adapters.Tensor{}, true
	case jsontext.Object:
		outs = make([]adapters.Tensor, 0, v.Len())
		for _, m := range v.Members() {
			if m.Name == "" {
				return nil, false
			}
			t, err := v1json.TensorFromValue(m.Name, &m.Value, adapters.Invalid)
			if err != nil {
				return nil, false
			}
			outs = append(outs, t)
		}
		return outs, true
	}
	t, err := v1json.TensorFromValue(outputName(names, 0), v, adapters.Invalid)
	if err != nil {
		return nil, false
	}
	return []adapters.Tensor{t}, true
}

// outputName names unnamed output i: names[i] if configured, else
// "output-<i>".
func outputName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("output-%d", i)
}

// selectOutputs keeps the outputs the request asked for, in its order. A
// Raw answer cannot be split and is kept whole. Asking for an output the
// answer lacks is the client's error.
func selectOutputs(out *adapters.Response, specs []adapters.OutputSpec) error {
	if len(specs) == 0 || out.Raw != nil {
		return nil
	}
	kept := make([]adapters.Tensor, 0, len(specs))
	for _, s := range specs {
		t := out.Output(s.Name)
		if t == nil {
			return fmt.Errorf("%w: requested output %q is not in the model's answer (outputs: %s)",
				adapters.ErrInvalidInput, s.Name, outputList(out.Outputs))
		}
		kept = append(kept, *t)
	}
	out.Outputs = kept
	return nil
}

// outputList renders output names for an error message.
func outputList(outs []adapters.Tensor) string {
	if len(outs) == 0 {
		return "none"
	}
	names := make([]string, len(outs))
	for i := range outs {
		names[i] = fmt.Sprintf("%q", outs[i].Name)
	}
	return strings.Join(names, ", ")
}
