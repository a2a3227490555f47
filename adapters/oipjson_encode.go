// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/modelgate/modelgate/adapters/jsontext"
)

func appendRequest(dst []byte, r *Request) ([]byte, error) {
	if r.Raw != nil {
		return dst, errors.New("request carries a raw payload, not tensors")
	}
	if err := checkTensors(r.Inputs, "input"); err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, estimateTensors(r.Inputs)+64)
	dst = append(dst, '{')
	if r.ID != "" {
		dst = append(dst, `"id":`...)
		dst = jsontext.AppendString(dst, r.ID)
		dst = append(dst, ',')
	}
	dst, err := appendParamsField(dst, "parameters", r.Parameters)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `"inputs":`...)
	if dst, err = appendTensors(dst, r.Inputs, "input"); err != nil {
		return dst, err
	}
	if len(r.Outputs) > 0 {
		if dst, err = appendOutputSpecs(dst, r.Outputs); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendResponse(dst []byte, r *Response) ([]byte, error) {
	if r.OIPOutputs != nil {
		dst = slices.Grow(dst, len(r.OIPOutputs)+128)
	}
	dst, err := appendResponseHead(dst, r)
	if err != nil {
		return dst, err
	}
	if r.OIPOutputs != nil {
		dst = append(dst, r.OIPOutputs...)
	} else if dst, err = appendTensors(dst, r.Outputs, "output"); err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// appendResponseHead writes the response up to `"outputs":`. Outputs are
// checked here unless they come as written (OIPOutputs), without data.
func appendResponseHead(dst []byte, r *Response) ([]byte, error) {
	if r.Raw != nil {
		return dst, errors.New("response carries a raw payload, not tensors")
	}
	if r.OIPOutputs == nil {
		if err := checkTensors(r.Outputs, "output"); err != nil {
			return dst, err
		}
		dst = slices.Grow(dst, estimateTensors(r.Outputs)+128)
	}
	dst = append(dst, `{"model_name":`...)
	dst = jsontext.AppendString(dst, r.Model.Name)
	if r.Model.Version != "" {
		dst = append(dst, `,"model_version":`...)
		dst = jsontext.AppendString(dst, r.Model.Version)
	}
	dst = append(dst, `,"id":`...)
	dst = jsontext.AppendString(dst, r.ID)
	dst = append(dst, ',')
	dst, err := appendParamsField(dst, "parameters", r.Parameters)
	if err != nil {
		return dst, err
	}
	return append(dst, `"outputs":`...), nil
}

// checkTensors validates tensors before any byte is written.
func checkTensors(ts []Tensor, side string) error {
	for i := range ts {
		if err := ts[i].validate(); err != nil {
			return fmt.Errorf("%s %q: %v", side, ts[i].Name, err)
		}
		for j := range i {
			if ts[j].Name == ts[i].Name {
				return fmt.Errorf("%s %q: duplicate name", side, ts[i].Name)
			}
		}
	}
	return nil
}

func appendTensors(dst []byte, ts []Tensor, side string) ([]byte, error) {
	return appendTensorsOmitting(dst, ts, side, nil)
}

// appendTensorsOmitting is appendTensors writing no "data" member for the
// tensors whose noData entry is true (binary outputs); noData may be nil.
func appendTensorsOmitting(dst []byte, ts []Tensor, side string, noData []bool) ([]byte, error) {
	dst = append(dst, '[')
	for i := range ts {
		if i > 0 {
			dst = append(dst, ',')
		}
		t := &ts[i]
		dst = append(dst, `{"name":`...)
		dst = jsontext.AppendString(dst, t.Name)
		dst = append(dst, `,"shape":`...)
		dst = appendShape(dst, t.Shape)
		dst = append(dst, `,"datatype":"`...)
		dst = append(dst, t.DType.String()...)
		dst = append(dst, `",`...)
		var err error
		if dst, err = appendParamsField(dst, "parameters", t.Parameters); err != nil {
			return dst, fmt.Errorf("%s %q: %w", side, t.Name, err)
		}
		if noData != nil && noData[i] {
			dst[len(dst)-1] = '}' // the comma after datatype or parameters
			continue
		}
		dst = append(dst, `"data":`...)
		dst = AppendTensorData(dst, t)
		dst = append(dst, '}')
	}
	return append(dst, ']'), nil
}

func appendOutputSpecs(dst []byte, os []OutputSpec) ([]byte, error) {
	dst = append(dst, `,"outputs":[`...)
	for i := range os {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = jsontext.AppendString(dst, os[i].Name)
		if len(os[i].Parameters) > 0 {
			dst = append(dst, ',')
			var err error
			dst, err = appendParamsField(dst, "parameters", os[i].Parameters)
			if err != nil {
				return dst, fmt.Errorf("output %q: %w", os[i].Name, err)
			}
			dst = dst[:len(dst)-1] // the field's trailing comma
		}
		dst = append(dst, '}')
	}
	return append(dst, ']'), nil
}

// appendParamsField appends `"key":{…},` when p is not empty, keys sorted.
func appendParamsField(dst []byte, key string, p Parameters) ([]byte, error) {
	if len(p) == 0 {
		return dst, nil
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = jsontext.AppendString(dst, key)
	dst = append(dst, ":{"...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendString(dst, k)
		dst = append(dst, ':')
		switch v := p[k].(type) {
		case string:
			dst = jsontext.AppendString(dst, v)
		case bool:
			dst = strconv.AppendBool(dst, v)
		case int64:
			dst = strconv.AppendInt(dst, v, 10)
		case float64:
			dst = jsontext.AppendFloat64(dst, v, 64, true)
		default:
			return dst, fmt.Errorf("parameter %q: value of type %T is not a string, bool, int64 or float64", k, v)
		}
	}
	return append(dst, "},"...), nil
}

// AppendTensorData appends t's elements as one flat JSON array (the OIP
// "data" member): numbers, true/false, or strings for BYTES (invalid UTF-8
// becomes U+FFFD). Floats are written as jsontext.AppendFloat64 does at the
// tensor's width, with NaN/±Inf as bare tokens. It does not validate t.
func AppendTensorData(dst []byte, t *Tensor) []byte {
	d := &t.Data
	dst = append(dst, '[')
	switch t.DType {
	case Bool:
		dst = appendList(dst, d.Bool, strconv.AppendBool)
	case Int8, Int16, Int32:
		dst = appendList(dst, d.Int32, func(b []byte, v int32) []byte { return strconv.AppendInt(b, int64(v), 10) })
	case Int64:
		dst = appendList(dst, d.Int64, func(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) })
	case Uint8, Uint16, Uint32:
		dst = appendList(dst, d.Uint32, func(b []byte, v uint32) []byte { return strconv.AppendUint(b, uint64(v), 10) })
	case Uint64:
		dst = appendList(dst, d.Uint64, func(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) })
	case FP32:
		dst = jsontext.AppendFloat32s(dst, d.FP32, true)
	case FP64:
		dst = appendList(dst, d.FP64, func(b []byte, v float64) []byte { return jsontext.AppendFloat64(b, v, 64, true) })
	case Bytes:
		dst = appendList(dst, d.Bytes, jsontext.AppendStringBytes)
	case Invalid, FP16, BF16:
	}
	return append(dst, ']')
}

func appendList[T any](dst []byte, vs []T, f func([]byte, T) []byte) []byte {
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = f(dst, v)
	}
	return dst
}

// estimateTensors guesses the encoded size of ts' data, so that the output
// buffer is allocated once: a large tensor's final growth by append would
// otherwise hold two copies at once, and a generous guess wastes memory.
func estimateTensors(ts []Tensor) int {
	total := 0
	for i := range ts {
		total += estimateData(&ts[i]) + 96 + len(ts[i].Name) + 24*len(ts[i].Shape)
	}
	return total
}

// estimateData sizes a sample of elements spread over the tensor exactly
// and extrapolates: the sample mean of element lengths, which vary by a
// byte or two, is then within a small fraction of a percent of the real
// one, and 1/64 of slack covers it. An estimate that still falls short
// costs one growth, never a wrong body.
func estimateData(t *Tensor) int {
	n := t.Data.Len()
	if n == 0 {
		return 2
	}
	if t.DType == Bytes {
		size := 0
		for _, b := range t.Data.Bytes {
			size += len(b) + 3 // quotes and comma; escapes grow it further
		}
		return size + size/8
	}
	const sample = 512
	k := min(n, sample)
	// The elements, then the commas and brackets AppendTensorData writes.
	est := sampleSize(t, k)*n/k + n + 1
	return est + est/64 + 64
}

// sampleSize is the encoded length of k elements of t's data (k ≤ the
// element count), evenly spaced, without separators. It calls the append
// functions directly on a small stack buffer, one element at a time: going
// through AppendTensorData would pass the buffer to appendList's function
// values and move it to the heap on every encode.
func sampleSize(t *Tensor, k int) int {
	// jsontext's float formatting asks for room for every digit of the
	// plain notation before it picks the short one: up to 17 digits, 324
	// zeros and 8 more bytes for a float64.
	var buf [17 + 324 + 8]byte
	d := &t.Data
	n := d.Len()
	size := 0
	for j := range k {
		i := j * n / k
		switch t.DType {
		case Bool:
			size += len(strconv.AppendBool(buf[:0], d.Bool[i]))
		case Int8, Int16, Int32:
			size += len(strconv.AppendInt(buf[:0], int64(d.Int32[i]), 10))
		case Int64:
			size += len(strconv.AppendInt(buf[:0], d.Int64[i], 10))
		case Uint8, Uint16, Uint32:
			size += len(strconv.AppendUint(buf[:0], uint64(d.Uint32[i]), 10))
		case Uint64:
			size += len(strconv.AppendUint(buf[:0], d.Uint64[i], 10))
		case FP32:
			size += len(jsontext.AppendFloat32(buf[:0], d.FP32[i], true))
		case FP64:
			size += len(jsontext.AppendFloat64(buf[:0], d.FP64[i], 64, true))
		case Invalid, FP16, BF16, Bytes:
		}
	}
	return size
}
