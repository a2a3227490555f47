// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"fmt"
	"math"

	"github.com/modelgate/modelgate/adapters"
)

// convert gives t the signature's datatype dt. JSON leaves a number's width
// open, so a decoded FP64 tensor may be a DT_FLOAT output and an INT64 one
// a DT_INT32 output; TF Serving writes every float with a "." or an
// exponent, but an integral DT_FLOAT value in exponent form ("1e+06") may
// decode as an integer too. Datatypes JSON cannot carry (FP16, BF16,
// unmapped) are left as decoded. Integers out of dt's range, or a value
// kind that does not fit dt at all, are errors.
func convert(t *adapters.Tensor, dt adapters.DType) error {
	if t.DType == dt || !dt.JSONSupported() {
		return nil
	}
	var err error
	switch {
	case dt == adapters.FP32 || dt == adapters.FP64:
		err = toFloat(t, dt)
	case isInteger(dt):
		err = toInteger(t, dt)
	default:
		err = fmt.Errorf("got %s values, the signature says %s", t.DType, dt)
	}
	if err == nil {
		t.DType = dt
	}
	return err
}

func toFloat(t *adapters.Tensor, dt adapters.DType) error {
	vals, ok := asFloat64(&t.Data)
	if !ok {
		return fmt.Errorf("got %s values, the signature says %s", t.DType, dt)
	}
	if dt == adapters.FP64 {
		t.Data = adapters.TensorData{FP64: vals}
		return nil
	}
	f32 := make([]float32, len(vals))
	for i, v := range vals {
		f32[i] = float32(v)
	}
	t.Data = adapters.TensorData{FP32: f32}
	return nil
}

func asFloat64(d *adapters.TensorData) ([]float64, bool) {
	switch {
	case d.FP64 != nil:
		return d.FP64, true
	case d.FP32 != nil:
		return mapSlice(d.FP32, func(v float32) float64 { return float64(v) }), true
	case d.Int64 != nil:
		return mapSlice(d.Int64, func(v int64) float64 { return float64(v) }), true
	case d.Uint64 != nil:
		return mapSlice(d.Uint64, func(v uint64) float64 { return float64(v) }), true
	case d.Len() == 0:
		return []float64{}, true
	}
	return nil, false
}

// intRange is the value range of each integer datatype.
var intRange = map[adapters.DType][2]float64{
	adapters.Int8:   {math.MinInt8, math.MaxInt8},
	adapters.Int16:  {math.MinInt16, math.MaxInt16},
	adapters.Int32:  {math.MinInt32, math.MaxInt32},
	adapters.Uint8:  {0, math.MaxUint8},
	adapters.Uint16: {0, math.MaxUint16},
	adapters.Uint32: {0, math.MaxUint32},
}

func toInteger(t *adapters.Tensor, dt adapters.DType) error {
	d := &t.Data
	if d.Int64 == nil && d.Uint64 == nil && d.Len() != 0 {
		return fmt.Errorf("got %s values, the signature says %s", t.DType, dt)
	}
	switch dt {
	case adapters.Int64:
		return toInt64(t)
	case adapters.Uint64:
		return toUint64(t)
	}
	lo, hi := intRange[dt][0], intRange[dt][1]
	vals := make([]int64, 0, d.Len())
	vals = append(vals, d.Int64...)
	for _, u := range d.Uint64 {
		if u > math.MaxInt64 {
			return fmt.Errorf("value %d is out of range for %s", u, dt)
		}
		vals = append(vals, int64(u))
	}
	for i, v := range vals {
		if float64(v) < lo || float64(v) > hi {
			return fmt.Errorf("element %d: %d is out of range for %s", i, v, dt)
		}
	}
	if lo < 0 {
		t.Data = adapters.TensorData{Int32: mapSlice(vals, func(v int64) int32 { return int32(v) })}
	} else {
		t.Data = adapters.TensorData{Uint32: mapSlice(vals, func(v int64) uint32 { return uint32(v) })}
	}
	return nil
}

func toInt64(t *adapters.Tensor) error {
	vals := make([]int64, 0, t.Data.Len())
	vals = append(vals, t.Data.Int64...)
	for i, u := range t.Data.Uint64 {
		if u > math.MaxInt64 {
			return fmt.Errorf("element %d: %d is out of range for INT64", i, u)
		}
		vals = append(vals, int64(u))
	}
	t.Data = adapters.TensorData{Int64: vals}
	return nil
}

func toUint64(t *adapters.Tensor) error {
	vals := make([]uint64, 0, t.Data.Len())
	vals = append(vals, t.Data.Uint64...)
	for i, v := range t.Data.Int64 {
		if v < 0 {
			return fmt.Errorf("element %d: %d is out of range for UINT64", i, v)
		}
		vals = append(vals, uint64(v))
	}
	t.Data = adapters.TensorData{Uint64: vals}
	return nil
}

func mapSlice[S, T any](in []S, f func(S) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
