// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

func appendRequest(dst []byte, format Format, signatureName string, inputs []adapters.Tensor) ([]byte, error) {
	if len(inputs) == 0 {
		return dst, errors.New("no input tensors")
	}
	if err := checkTensors(inputs, format); err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, estimate(inputs))
	dst = append(dst, '{')
	if signatureName != "" {
		dst = append(dst, `"signature_name":`...)
		dst = jsontext.AppendString(dst, signatureName)
		dst = append(dst, ',')
	}
	if format == Row {
		dst = append(dst, `"instances":`...)
		dst = appendRows(dst, inputs)
	} else {
		dst = append(dst, `"inputs":`...)
		dst = appendColumns(dst, inputs)
	}
	return append(dst, '}'), nil
}

func appendResponse(dst []byte, format Format, outputs []adapters.Tensor) ([]byte, error) {
	if len(outputs) == 0 {
		return dst, tfErrorf("Cannot convert empty tensor map to JSON")
	}
	if err := checkTensors(outputs, format); err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, estimate(outputs))
	if format == Row {
		dst = append(dst, `{"predictions":`...)
		dst = appendRows(dst, outputs)
	} else {
		dst = append(dst, `{"outputs":`...)
		dst = appendColumns(dst, outputs)
	}
	return append(dst, '}'), nil
}

// maxNestedArrays bounds the arrays a nested rendering may write: a shape
// like [2^31-1, 0] holds no elements but would print two billion "[]".
const maxNestedArrays = adapters.MaxElements

// checkTensors validates the tensors and, for row format, TF's batch rules.
func checkTensors(ts []adapters.Tensor, format Format) error {
	if format != Row && format != Columnar {
		return tfErrorf("Invalid request format")
	}
	batch := int64(-1)
	for i := range ts {
		t := &ts[i]
		if err := checkTensor(t); err != nil {
			return err
		}
		if format != Row {
			continue
		}
		if len(t.Shape) == 0 {
			return tfErrorf("Tensor name: %s has no shape information ", t.Name)
		}
		if batch >= 0 && t.Shape[0] != batch {
			return tfErrorf("Tensor name: %s has inconsistent batch size: %d expecting: %d", t.Name, t.Shape[0], batch)
		}
		batch = t.Shape[0]
	}
	return nil
}

// nestable reports whether writing shape as nested lists stays within
// maxNestedArrays lists.
func nestable(shape []int64) bool {
	lists, prefix := int64(0), int64(1)
	for _, d := range shape {
		lists += prefix
		if lists > maxNestedArrays || (d != 0 && prefix > maxNestedArrays/d) {
			return false
		}
		prefix *= d
	}
	return true
}

// tensorWriter writes one tensor's elements as nested lists.
type tensorWriter struct {
	t   *adapters.Tensor
	b64 bool
	off int
}

func newWriter(t *adapters.Tensor) *tensorWriter {
	w := &tensorWriter{t: t}
	if t.DType == adapters.Bytes {
		w.b64 = strings.HasSuffix(t.Name, "_bytes") ||
			slices.ContainsFunc(t.Data.Bytes, func(b []byte) bool { return !utf8.Valid(b) })
	}
	return w
}

// values writes the sub-tensor from dimension dim on, at the writer's
// offset.
func (w *tensorWriter) values(dst []byte, dim int) []byte {
	shape := w.t.Shape
	if dim == len(shape) {
		dst = w.scalar(dst, w.off)
		w.off++
		return dst
	}
	dst = append(dst, '[')
	for i := int64(0); i < shape[dim]; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = w.values(dst, dim+1)
	}
	return append(dst, ']')
}

func (w *tensorWriter) scalar(dst []byte, i int) []byte {
	d := &w.t.Data
	switch w.t.DType {
	case adapters.Bool:
		return strconv.AppendBool(dst, d.Bool[i])
	case adapters.Int8, adapters.Int16, adapters.Int32:
		return strconv.AppendInt(dst, int64(d.Int32[i]), 10)
	case adapters.Int64:
		return strconv.AppendInt(dst, d.Int64[i], 10)
	case adapters.Uint8, adapters.Uint16, adapters.Uint32:
		return strconv.AppendUint(dst, uint64(d.Uint32[i]), 10)
	case adapters.Uint64:
		return strconv.AppendUint(dst, d.Uint64[i], 10)
	case adapters.FP32:
		return jsontext.AppendFloat32(dst, d.FP32[i], true)
	case adapters.FP64:
		return jsontext.AppendFloat64(dst, d.FP64[i], 64, true)
	case adapters.Bytes:
		if w.b64 {
			dst = append(dst, `{"b64":"`...)
			dst = base64.StdEncoding.AppendEncode(dst, d.Bytes[i])
			return append(dst, `"}`...)
		}
		return jsontext.AppendStringBytes(dst, d.Bytes[i])
	case adapters.FP16, adapters.BF16, adapters.Invalid:
	}
	return append(dst, "null"...)
}

// appendRows writes a row-format list: per example, the single tensor's
// item or an object of all tensors' items.
func appendRows(dst []byte, ts []adapters.Tensor) []byte {
	ws := make([]*tensorWriter, len(ts))
	for i := range ts {
		ws[i] = newWriter(&ts[i])
	}
	dst = append(dst, '[')
	for k := int64(0); k < ts[0].Shape[0]; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		if len(ws) == 1 {
			dst = ws[0].values(dst, 1)
			continue
		}
		dst = append(dst, '{')
		for i, w := range ws {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsontext.AppendString(dst, w.t.Name)
			dst = append(dst, ':')
			dst = w.values(dst, 1)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendColumns writes a columnar value: the single tensor, or an object of
// all tensors.
func appendColumns(dst []byte, ts []adapters.Tensor) []byte {
	if len(ts) == 1 {
		return newWriter(&ts[0]).values(dst, 0)
	}
	dst = append(dst, '{')
	for i := range ts {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendString(dst, ts[i].Name)
		dst = append(dst, ':')
		dst = newWriter(&ts[i]).values(dst, 0)
	}
	return append(dst, '}')
}

// estimate guesses the encoded size, so that the output buffer is
// allocated about once.
func estimate(ts []adapters.Tensor) int {
	total := 64
	for i := range ts {
		t := &ts[i]
		n := t.Data.Len()
		k := min(n, 64)
		head := *t
		head.Shape = []int64{int64(k)}
		head.Data = prefix(&t.Data, k)
		size := len(newWriter(&head).values(nil, 0))
		if k > 0 {
			size = size / k * n
		}
		if len(t.Shape) > 1 {
			size += 2 * n / max(int(t.Shape[len(t.Shape)-1]), 1) // inner brackets
		}
		total += size + size/8 + len(t.Name) + 8
	}
	return total
}

func prefix(d *adapters.TensorData, k int) adapters.TensorData {
	var s adapters.TensorData
	switch {
	case d.Bool != nil:
		s.Bool = d.Bool[:k]
	case d.Int32 != nil:
		s.Int32 = d.Int32[:k]
	case d.Int64 != nil:
		s.Int64 = d.Int64[:k]
	case d.Uint32 != nil:
		s.Uint32 = d.Uint32[:k]
	case d.Uint64 != nil:
		s.Uint64 = d.Uint64[:k]
	case d.FP32 != nil:
		s.FP32 = d.FP32[:k]
	case d.FP64 != nil:
		s.FP64 = d.FP64[:k]
	case d.Bytes != nil:
		s.Bytes = d.Bytes[:k]
	}
	return s
}
