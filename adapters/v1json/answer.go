// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// TensorsFromValue maps a bare JSON answer (a handler's return value, as
// TorchServe and BentoML send it) to output tensors: a top-level null to
// none, an object to one tensor per member, named by the member, anything
// else to one tensor named OutputName(names, 0). convert turns each value
// into a tensor; if nil, it is TensorFromValue with the dtype inferred. ok
// is false when the JSON is not tensor-shaped (an empty member name, or a
// value convert rejects).
func TensorsFromValue(v *jsontext.Value, names []string,
	convert func(name string, v *jsontext.Value) (adapters.Tensor, error)) (outs []adapters.Tensor, ok bool) {
	if convert == nil {
		convert = func(name string, v *jsontext.Value) (adapters.Tensor, error) {
			return TensorFromValue(name, v, adapters.Invalid)
		}
	}
	switch v.Kind() {
	case jsontext.Null:
		return []adapters.Tensor{}, true
	case jsontext.Object:
		outs = make([]adapters.Tensor, 0, v.Len())
		for _, m := range v.Members() {
			if m.Name == "" {
				return nil, false
			}
			t, err := convert(m.Name, &m.Value)
			if err != nil {
				return nil, false
			}
			outs = append(outs, t)
		}
		return outs, true
	}
	t, err := convert(OutputName(names, 0), v)
	if err != nil {
		return nil, false
	}
	return []adapters.Tensor{t}, true
}

// OutputName names unnamed output i: names[i] if configured, else
// "output-<i>".
func OutputName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("output-%d", i)
}

// SelectOutputs keeps the outputs the request asked for (specs), in its
// order; with no specs it keeps all. A Raw answer cannot be split and is
// kept whole. Asking for an output the answer lacks is the client's error,
// adapters.ErrInvalidInput.
func SelectOutputs(out *adapters.Response, specs []adapters.OutputSpec) error {
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
