// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
)

// checkRequest validates a request against the servable's signature before
// any upstream call: every input must be in the signature and every
// signature input present (TF Serving: "Missing named input"), datatypes
// must be ones TF Serving's JSON parser casts to the signature's, ranks and
// fixed dimensions must agree, and requested outputs must exist. Errors
// wrap ErrInvalidInput and name the tensor and the mismatch.
func (s *signature) checkRequest(req *adapters.Request) error {
	for i := range req.Inputs {
		if err := s.checkInput(&req.Inputs[i]); err != nil {
			return fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err)
		}
	}
	for _, tm := range s.inputs {
		if req.Input(tm.Name) == nil {
			return fmt.Errorf("%w: missing input %q (signature %q takes %s)",
				adapters.ErrInvalidInput, tm.Name, s.name, names(s.inputs))
		}
	}
	for _, o := range req.Outputs {
		if find(s.outputs, o.Name) == nil {
			return fmt.Errorf("%w: requested output %q is not in signature %q (outputs: %s)",
				adapters.ErrInvalidInput, o.Name, s.name, names(s.outputs))
		}
	}
	return nil
}

func (s *signature) checkInput(t *adapters.Tensor) error {
	tm := find(s.inputs, t.Name)
	if tm == nil {
		return fmt.Errorf("input %q is not in signature %q (inputs: %s)", t.Name, s.name, names(s.inputs))
	}
	if !castable(t.DType, tm.DType) {
		return fmt.Errorf("input %q: datatype %s does not convert to the signature's %s", t.Name, t.DType, tm.DType)
	}
	if err := checkShape(t.Shape, tm.Shape); err != nil {
		return fmt.Errorf("input %q: %v", t.Name, err)
	}
	return nil
}

// checkShape compares a request shape with a signature shape, where -1 is
// any size and a nil signature shape is of unknown rank.
func checkShape(got, want []int64) error {
	if want == nil {
		return nil
	}
	if len(got) != len(want) {
		return fmt.Errorf("shape %v has rank %d, the signature wants rank %d (%v)", got, len(got), len(want), want)
	}
	for i, w := range want {
		if w >= 0 && got[i] != w {
			return fmt.Errorf("shape %v: dimension %d is %d, the signature wants %d (%v)", got, i, got[i], w, want)
		}
	}
	return nil
}

// castable reports whether TF Serving accepts values of datatype from for a
// signature tensor of datatype to (util/json_tensor.cc AddValueToTensor):
// float tensors take any JSON number, integer tensors integers only (a
// "1.0" is rejected), DT_BOOL booleans, DT_STRING strings. Datatypes its
// JSON parser cannot fill at all (DT_HALF, DT_BFLOAT16, unmapped types) are
// left for TF Serving to reject in its own words.
func castable(from, to adapters.DType) bool {
	switch {
	case to == adapters.Invalid || to == adapters.FP16 || to == adapters.BF16:
		return true
	case to == adapters.FP32 || to == adapters.FP64:
		return isInteger(from) || from == adapters.FP32 || from == adapters.FP64
	case isInteger(to):
		return isInteger(from)
	}
	return from == to
}

func isInteger(d adapters.DType) bool {
	switch d {
	case adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64,
		adapters.Uint8, adapters.Uint16, adapters.Uint32, adapters.Uint64:
		return true
	}
	return false
}

func find(ts []adapters.TensorMetadata, name string) *adapters.TensorMetadata {
	for i := range ts {
		if ts[i].Name == name {
			return &ts[i]
		}
	}
	return nil
}

func names(ts []adapters.TensorMetadata) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.Name
	}
	return strings.Join(s, ", ")
}
