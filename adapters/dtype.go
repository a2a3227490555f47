// SPDX-License-Identifier: Apache-2.0

package adapters

import "fmt"

// DType is a tensor element type, named as in the Open Inference Protocol.
type DType uint8

// The OIP datatypes. The zero value is Invalid.
const (
	Invalid DType = iota
	Bool
	Uint8
	Uint16
	Uint32
	Uint64
	Int8
	Int16
	Int32
	Int64
	FP16
	FP32
	FP64
	Bytes
	BF16
)

var dtypeNames = [...]string{
	Invalid: "INVALID",
	Bool:    "BOOL",
	Uint8:   "UINT8",
	Uint16:  "UINT16",
	Uint32:  "UINT32",
	Uint64:  "UINT64",
	Int8:    "INT8",
	Int16:   "INT16",
	Int32:   "INT32",
	Int64:   "INT64",
	FP16:    "FP16",
	FP32:    "FP32",
	FP64:    "FP64",
	Bytes:   "BYTES",
	BF16:    "BF16",
}

// String returns the OIP name of d ("FP32", "BYTES", …).
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// ParseDType returns the DType named s. Names are case-sensitive, as the OIP
// specification requires.
func ParseDType(s string) (DType, error) {
	for i, n := range dtypeNames {
		if i != 0 && n == s {
			return DType(i), nil
		}
	}
	return Invalid, fmt.Errorf("unknown datatype %q", s)
}

// dtypeOf is ParseDType without the error: Invalid for an unknown name.
// It does not allocate.
func dtypeOf(b []byte) DType {
	for i, n := range dtypeNames {
		if i != 0 && n == string(b) {
			return DType(i)
		}
	}
	return Invalid
}

// Size is the width in bytes of one element, or 0 for BYTES (variable) and
// Invalid.
func (d DType) Size() int {
	switch d {
	case Bool, Uint8, Int8:
		return 1
	case Uint16, Int16, FP16, BF16:
		return 2
	case Uint32, Int32, FP32:
		return 4
	case Uint64, Int64, FP64:
		return 8
	case Invalid, Bytes:
		return 0
	}
	return 0
}

// JSONSupported reports whether tensors of d can travel in OIP JSON. FP16 and
// BF16 have no portable JSON form (the OIP spec's own caveat; KServe rejects
// them) and need the binary tensor extension.
func (d DType) JSONSupported() bool {
	return d != Invalid && d != FP16 && d != BF16
}
