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
			if outs, ok := v1json.TensorsFromValue(v, names, nil); ok {
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

// outputName names unnamed output i (v1json.OutputName).
func outputName(names []string, i int) string { return v1json.OutputName(names, i) }
