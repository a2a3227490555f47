// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"fmt"
	"math"
	"strings"

	"github.com/modelgate/modelgate/adapters"
)

// Sample returns the input tensor Run sends for d: named "x_" + the
// lower-case dtype ("x_fp32"), with values at the edges of d's range
// (integers beyond 2^53, the largest and smallest floats, empty and escaped
// strings). It reports an error for datatypes without a representation.
func Sample(d adapters.DType) (adapters.Tensor, error) {
	t := adapters.Tensor{Name: "x_" + strings.ToLower(d.String()), DType: d, Shape: []int64{2, 2}}
	switch d {
	case adapters.Bool:
		t.Data.Bool = []bool{true, false, false, true}
	case adapters.Uint8:
		t.Data.Uint32 = []uint32{0, 1, 254, 255}
	case adapters.Uint16:
		t.Shape, t.Data.Uint32 = []int64{4}, []uint32{0, 1, 65534, 65535}
	case adapters.Uint32:
		t.Data.Uint32 = []uint32{0, 1, math.MaxUint32 - 1, math.MaxUint32}
	case adapters.Uint64:
		t.Shape, t.Data.Uint64 = []int64{3}, []uint64{0, 1<<53 + 1, math.MaxUint64}
	case adapters.Int8:
		t.Data.Int32 = []int32{math.MinInt8, -1, 0, math.MaxInt8}
	case adapters.Int16:
		t.Shape, t.Data.Int32 = []int64{4}, []int32{math.MinInt16, -1, 1, math.MaxInt16}
	case adapters.Int32:
		t.Shape, t.Data.Int32 = []int64{2, 3}, []int32{math.MinInt32, -1, 0, 1, 2, math.MaxInt32}
	case adapters.Int64:
		t.Data.Int64 = []int64{math.MinInt64, -(1<<53 + 1), 1<<53 + 1, math.MaxInt64}
	case adapters.FP32:
		t.Data.FP32 = []float32{0.1, -2.5, math.MaxFloat32, math.SmallestNonzeroFloat32}
	case adapters.FP64:
		t.Data.FP64 = []float64{0.1, -1e300, math.MaxFloat64, math.SmallestNonzeroFloat64}
	case adapters.Bytes:
		t.Shape, t.Data.Bytes = []int64{3}, [][]byte{[]byte("hello"), {}, []byte("héllo \"quoted\" \\ \n\t/")}
	case adapters.Invalid, adapters.FP16, adapters.BF16:
		return t, fmt.Errorf("datatype %s has no representation in adapters.TensorData", d)
	default:
		return t, fmt.Errorf("unknown datatype %s", d)
	}
	return t, nil
}
