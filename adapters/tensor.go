// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"fmt"
	"math"
)

// Tensor is one named, typed, shaped array: an OIP input or output tensor.
type Tensor struct {
	// Name is the tensor's name in the model signature.
	Name string
	// DType is the element type.
	DType DType
	// Shape is the row-major shape; dimensions are non-negative.
	Shape []int64
	// Data holds the elements, row-major, in the field that DType selects.
	Data TensorData
	// Parameters are the tensor's OIP parameters, if any.
	Parameters Parameters
}

// TensorData holds a tensor's elements in exactly one typed slice, mirroring
// OIP's InferTensorContents: INT8 and INT16 live in Int32, UINT8 and UINT16 in
// Uint32, FP16 and BF16 are not representable (see DType.JSONSupported).
type TensorData struct {
	Bool   []bool
	Int32  []int32
	Int64  []int64
	Uint32 []uint32
	Uint64 []uint64
	FP32   []float32
	FP64   []float64
	Bytes  [][]byte
}

// Len is the number of elements held, whatever the field.
func (d *TensorData) Len() int {
	switch {
	case d.Bool != nil:
		return len(d.Bool)
	case d.Int32 != nil:
		return len(d.Int32)
	case d.Int64 != nil:
		return len(d.Int64)
	case d.Uint32 != nil:
		return len(d.Uint32)
	case d.Uint64 != nil:
		return len(d.Uint64)
	case d.FP32 != nil:
		return len(d.FP32)
	case d.FP64 != nil:
		return len(d.FP64)
	case d.Bytes != nil:
		return len(d.Bytes)
	}
	return 0
}

// fields counts the non-nil slices; a valid TensorData has at most one.
func (d *TensorData) fields() int {
	n := 0
	for _, set := range [...]bool{d.Bool != nil, d.Int32 != nil, d.Int64 != nil, d.Uint32 != nil,
		d.Uint64 != nil, d.FP32 != nil, d.FP64 != nil, d.Bytes != nil} {
		if set {
			n++
		}
	}
	return n
}

// MaxElements bounds the element count of one tensor (2^31-1), so that a shape
// cannot make the gateway allocate without limit.
const MaxElements = math.MaxInt32

// ErrShapeOverflow reports a shape whose element count exceeds MaxElements.
var ErrShapeOverflow = errors.New("shape has too many elements")

// NumElements returns the product of shape, checking each dimension is
// non-negative and the product stays within MaxElements.
func NumElements(shape []int64) (int, error) {
	n := int64(1)
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("dimension %d is negative (%d)", i, d)
		}
		if d != 0 && n > MaxElements/d {
			return 0, fmt.Errorf("%w (limit %d)", ErrShapeOverflow, MaxElements)
		}
		n *= d
	}
	return int(n), nil
}

// Validate checks that t is well formed: a known datatype representable here,
// a non-negative shape whose element count matches the data, data held in the
// field the datatype selects, and INT8/INT16/UINT8/UINT16 values within range.
// Errors name the tensor and the reason and wrap ErrInvalidInput.
func (t *Tensor) Validate() error {
	if err := t.validate(); err != nil {
		return fmt.Errorf("%w: tensor %q: %v", ErrInvalidInput, t.Name, err)
	}
	return nil
}

func (t *Tensor) validate() error {
	if t.Name == "" {
		return errors.New("name is empty")
	}
	if !t.DType.JSONSupported() {
		return fmt.Errorf("datatype %s is not supported", t.DType)
	}
	n, err := NumElements(t.Shape)
	if err != nil {
		return fmt.Errorf("shape %v: %v", t.Shape, err)
	}
	if f := t.Data.fields(); f > 1 {
		return fmt.Errorf("data is held in %d fields, want one", f)
	}
	if got := t.Data.Len(); got != n {
		return fmt.Errorf("shape %v needs %d elements, data has %d", t.Shape, n, got)
	}
	if n > 0 && !t.holds() {
		return fmt.Errorf("data is not held in the field for %s", t.DType)
	}
	return t.checkRange()
}

// holds reports whether the data sits in the field DType selects.
func (t *Tensor) holds() bool {
	d := &t.Data
	switch t.DType {
	case Bool:
		return d.Bool != nil
	case Int8, Int16, Int32:
		return d.Int32 != nil
	case Int64:
		return d.Int64 != nil
	case Uint8, Uint16, Uint32:
		return d.Uint32 != nil
	case Uint64:
		return d.Uint64 != nil
	case FP32:
		return d.FP32 != nil
	case FP64:
		return d.FP64 != nil
	case Bytes:
		return d.Bytes != nil
	case Invalid, FP16, BF16:
		return false
	}
	return false
}

// checkRange rejects narrow integer values outside their datatype's range.
func (t *Tensor) checkRange() error {
	var lo, hi int64
	switch t.DType {
	case Int8:
		lo, hi = math.MinInt8, math.MaxInt8
	case Int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case Uint8:
		hi = math.MaxUint8
	case Uint16:
		hi = math.MaxUint16
	default:
		return nil
	}
	for i, v := range t.Data.Int32 {
		if int64(v) < lo || int64(v) > hi {
			return fmt.Errorf("element %d: %d is out of range for %s", i, v, t.DType)
		}
	}
	for i, v := range t.Data.Uint32 {
		if int64(v) > hi {
			return fmt.Errorf("element %d: %d is out of range for %s", i, v, t.DType)
		}
	}
	return nil
}

// Clone returns a deep copy of t.
func (t Tensor) Clone() Tensor {
	c := t
	c.Shape = cloneSlice(t.Shape)
	c.Parameters = t.Parameters.Clone()
	d := &t.Data
	c.Data = TensorData{
		Bool: cloneSlice(d.Bool), Int32: cloneSlice(d.Int32), Int64: cloneSlice(d.Int64),
		Uint32: cloneSlice(d.Uint32), Uint64: cloneSlice(d.Uint64), FP32: cloneSlice(d.FP32),
		FP64: cloneSlice(d.FP64),
	}
	if d.Bytes != nil {
		c.Data.Bytes = make([][]byte, len(d.Bytes))
		for i, b := range d.Bytes {
			c.Data.Bytes[i] = cloneSlice(b)
		}
	}
	return c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// ValidateInputs checks what every request's inputs need before any
// backend sees them: at least one input, each valid (Tensor.Validate), and
// no two with the same name (a JSON object or a dataframe could carry only
// one of them). Errors wrap ErrInvalidInput and name the input.
func ValidateInputs(inputs []Tensor) error {
	if len(inputs) == 0 {
		return fmt.Errorf("%w: the request has no inputs", ErrInvalidInput)
	}
	for i := range inputs {
		if err := inputs[i].Validate(); err != nil {
			return err
		}
		for j := range i {
			if inputs[j].Name == inputs[i].Name {
				return fmt.Errorf("%w: input %q appears twice", ErrInvalidInput, inputs[i].Name)
			}
		}
	}
	return nil
}
