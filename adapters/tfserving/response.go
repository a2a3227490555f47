// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// decodeResponse turns a predict answer into output tensors.
//
// Names: TF Serving names its outputs only when there are several
// (util/json_tensor.cc MakeRowFormatJsonFromTensors and
// MakeColumnarFormatJsonFromTensors write the keys only if the tensor map
// has more than one entry; the map is a protobuf map, so several outputs
// come in no particular order, each under its name). REST predict has no
// output filter, so one unnamed output means a single-output signature: it
// takes the signature's output name when the signature is cached, else
// Options.OutputNames[0], else "output-0".
//
// Datatypes: JSON says only "integer", "float", "string" or "bool", which
// decode as INT64, FP64, BYTES and BOOL. With a cached signature the
// outputs are converted to its datatypes (DT_FLOAT → FP32, DT_INT32 →
// INT32, …).
//
// Requested outputs (Request.Outputs) are selected here, in the order
// asked, since TF Serving always returns every output.
func (a *Adapter) decodeResponse(data []byte, sig *signature, want []adapters.OutputSpec) ([]adapters.Tensor, error) {
	outs, err := v1json.DecodePredictResponse(data, a.format, a.unnamedNames(sig))
	if err != nil {
		return nil, err // wraps ErrBadUpstream
	}
	if sig != nil {
		for i := range outs {
			tm := find(sig.outputs, outs[i].Name)
			if tm == nil {
				continue
			}
			if err := convert(&outs[i], tm.DType); err != nil {
				return nil, jsonhttp.Malformed(fmt.Errorf("output %q: %v", outs[i].Name, err))
			}
		}
	}
	return selectOutputs(outs, want)
}

// unnamedNames are the names for an answer's unnamed output.
func (a *Adapter) unnamedNames(sig *signature) []string {
	if sig != nil && len(sig.outputs) == 1 {
		return []string{sig.outputs[0].Name}
	}
	return a.outNames
}

// selectOutputs keeps the requested outputs, in the order requested; nil
// want keeps all. A requested output the answer lacks wraps
// ErrInvalidInput: the model has no such output.
func selectOutputs(outs []adapters.Tensor, want []adapters.OutputSpec) ([]adapters.Tensor, error) {
	if want == nil {
		return outs, nil
	}
	sel := make([]adapters.Tensor, 0, len(want))
	for _, w := range want {
		i := indexOf(outs, w.Name)
		if i < 0 {
			return nil, fmt.Errorf("%w: requested output %q is not among the model's outputs (%s)",
				adapters.ErrInvalidInput, w.Name, tensorNames(outs))
		}
		sel = append(sel, outs[i])
	}
	return sel, nil
}

func indexOf(ts []adapters.Tensor, name string) int {
	for i := range ts {
		if ts[i].Name == name {
			return i
		}
	}
	return -1
}

func tensorNames(ts []adapters.Tensor) string {
	s := make([]string, len(ts))
	for i := range ts {
		s[i] = ts[i].Name
	}
	return strings.Join(s, ", ")
}
