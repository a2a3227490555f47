// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// The binary tensor data extension (PROTOCOLS.md §6.4; Triton's
// extension_binary_data.md, also KServe Python and MLServer). A body in it
// is the OIP JSON, whose length the Inference-Header-Content-Length header
// gives, followed by raw tensor bytes: little-endian, row-major, at each
// element's width, BOOL one byte, and BYTES as a 4-byte little-endian
// length before each element.
const (
	// HeaderInferenceHeaderLength is the header giving the JSON's length
	// when binary data follows it.
	HeaderInferenceHeaderLength = "Inference-Header-Content-Length"
	// ParamBinaryDataSize is the tensor parameter giving the length of its
	// binary data; the tensor then has no "data" member.
	ParamBinaryDataSize = "binary_data_size"
	// ParamBinaryData is the requested-output parameter asking for that
	// output in binary (true) or JSON (false).
	ParamBinaryData = "binary_data"
	// ParamBinaryDataOutput is the request parameter asking for every
	// output in binary, unless the output's own binary_data says otherwise.
	ParamBinaryDataOutput = "binary_data_output"
)

// DecodeRequestBinary decodes a request in the binary tensor data
// extension: data[:jsonLen] is the OIP JSON, in which an input may carry
// "parameters": {"binary_data_size": n} instead of "data", and data[jsonLen:]
// holds those inputs' bytes back to back, in the order of the inputs. The
// JSON is checked as DecodeRequest checks it; the binary part must hold
// exactly the elements each such input's shape asks for, and nothing more.
// The binary_data_size parameters are removed: they describe this body,
// not the model. BYTES elements are copied out of data. FP16 and BF16 are
// rejected, as in JSON: no adapter can translate them. Every error wraps
// ErrInvalidInput and names the input, or the field, and the reason.
func DecodeRequestBinary(data []byte, jsonLen int) (*Request, error) {
	if jsonLen < 0 || jsonLen > len(data) {
		return nil, fmt.Errorf("%w: %s: %d is not within the body's %d bytes", ErrInvalidInput,
			HeaderInferenceHeaderLength, jsonLen, len(data))
	}
	c := newOIPDecoder(data[:jsonLen], false)
	c.binary = true
	r, err := c.request()
	if err == nil {
		err = fillBinaryInputs(r, data[jsonLen:])
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return r, nil
}

// fillBinaryInputs gives each input that has a binary_data_size its data
// from bin, in order, and removes the parameter.
func fillBinaryInputs(r *Request, bin []byte) error {
	off := 0
	for i := range r.Inputs {
		t := &r.Inputs[i]
		v, ok := t.Parameters[ParamBinaryDataSize]
		if !ok {
			continue
		}
		path := newTensorPaths("inputs", i).parameters + "." + ParamBinaryDataSize
		n, ok := v.(int64)
		if !ok || n < 0 {
			return fmt.Errorf("%s: %v is not a byte count", path, v)
		}
		if n > int64(len(bin)-off) {
			return fmt.Errorf("%s: %d bytes, but only %d bytes of binary data are left", path, n, len(bin)-off)
		}
		if err := readBinaryTensor(t, bin[off:off+int(n)]); err != nil {
			return fmt.Errorf("input %q: %v", t.Name, err)
		}
		off += int(n)
		delete(t.Parameters, ParamBinaryDataSize)
		if len(t.Parameters) == 0 {
			t.Parameters = nil
		}
	}
	if off != len(bin) {
		return fmt.Errorf("%d bytes of binary data follow the JSON, but the inputs' %s add up to %d",
			len(bin), ParamBinaryDataSize, off)
	}
	return nil
}

// readBinaryTensor decodes b, one tensor's binary data, into t.Data.
func readBinaryTensor(t *Tensor, b []byte) error {
	n, err := NumElements(t.Shape)
	if err != nil {
		return fmt.Errorf("shape %v: %v", t.Shape, err)
	}
	if t.DType == Bytes {
		return readBinaryBytes(t, b, n)
	}
	size := t.DType.Size()
	if want := int64(n) * int64(size); int64(len(b)) != want {
		return fmt.Errorf("%d bytes of binary data, want %d for %d %s elements (shape %v)", len(b), want, n, t.DType, t.Shape)
	}
	d := &t.Data
	switch t.DType {
	case Bool:
		d.Bool = make([]bool, n)
		for i, v := range b {
			d.Bool[i] = v != 0
		}
	case Int8:
		d.Int32 = make([]int32, n)
		for i, v := range b {
			d.Int32[i] = int32(int8(v))
		}
	case Int16:
		d.Int32 = readLE(b, 2, func(b []byte) int32 { return int32(int16(binary.LittleEndian.Uint16(b))) })
	case Int32:
		d.Int32 = readLE(b, 4, func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) })
	case Int64:
		d.Int64 = readLE(b, 8, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) })
	case Uint8:
		d.Uint32 = make([]uint32, n)
		for i, v := range b {
			d.Uint32[i] = uint32(v)
		}
	case Uint16:
		d.Uint32 = readLE(b, 2, func(b []byte) uint32 { return uint32(binary.LittleEndian.Uint16(b)) })
	case Uint32:
		d.Uint32 = readLE(b, 4, binary.LittleEndian.Uint32)
	case Uint64:
		d.Uint64 = readLE(b, 8, binary.LittleEndian.Uint64)
	case FP32:
		d.FP32 = readLE(b, 4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) })
	case FP64:
		d.FP64 = readLE(b, 8, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) })
	default: // the JSON decoder let no other datatype through
		return fmt.Errorf("datatype %s has no binary form here", t.DType)
	}
	return nil
}

// readLE decodes b as consecutive little-endian elements of width bytes.
func readLE[T any](b []byte, width int, elem func([]byte) T) []T {
	out := make([]T, len(b)/width)
	for i := range out {
		out[i] = elem(b[i*width:])
	}
	return out
}

// readBinaryBytes decodes n length-prefixed BYTES elements, copying them.
func readBinaryBytes(t *Tensor, b []byte, n int) error {
	// Each element takes at least its 4-byte length.
	if n > len(b)/4 {
		return fmt.Errorf("%d bytes of binary data cannot hold %d BYTES elements (shape %v): each takes at least 4", len(b), n, t.Shape)
	}
	els := make([][]byte, n)
	for i := range els {
		if len(b) < 4 {
			return fmt.Errorf("element %d: binary data ends before its 4-byte length", i)
		}
		l := binary.LittleEndian.Uint32(b)
		b = b[4:]
		if uint64(l) > uint64(len(b)) {
			return fmt.Errorf("element %d: length %d, but only %d bytes are left", i, l, len(b))
		}
		if l == 0 {
			els[i] = []byte{}
		} else {
			els[i] = slices.Clone(b[:l])
		}
		b = b[l:]
	}
	if len(b) > 0 {
		return fmt.Errorf("%d bytes of binary data are left after the %d BYTES elements of shape %v", len(b), n, t.Shape)
	}
	t.Data.Bytes = els
	return nil
}

// BinaryOutputs returns whether the client asked for output name in
// binary: that output's binary_data parameter if the request lists it with
// one, else the request's binary_data_output, else false. It reads r now,
// so that r's parameters may be stripped afterwards (StripBinaryParams).
func BinaryOutputs(r *Request) func(name string) bool {
	all, _ := r.Parameters[ParamBinaryDataOutput].(bool)
	each := make(map[string]bool, len(r.Outputs))
	for _, o := range r.Outputs {
		if v, ok := o.Parameters[ParamBinaryData].(bool); ok {
			each[o.Name] = v
		}
	}
	return func(name string) bool {
		if v, ok := each[name]; ok {
			return v
		}
		return all
	}
}

// AsksBinary reports whether r has a binary_data or binary_data_output
// parameter, whatever its value.
func AsksBinary(r *Request) bool {
	if _, ok := r.Parameters[ParamBinaryDataOutput]; ok {
		return true
	}
	for _, o := range r.Outputs {
		if _, ok := o.Parameters[ParamBinaryData]; ok {
			return true
		}
	}
	return false
}

// StripBinaryParams removes the binary_data and binary_data_output
// parameters from r, which say how the client wants the answer, not what
// the model should do: a backend that speaks the extension would otherwise
// answer in binary. Its Source no longer matches and is cleared.
func StripBinaryParams(r *Request) {
	strip := func(p Parameters, key string) Parameters {
		delete(p, key)
		if len(p) == 0 {
			return nil
		}
		return p
	}
	r.Parameters = strip(r.Parameters, ParamBinaryDataOutput)
	for i := range r.Outputs {
		r.Outputs[i].Parameters = strip(r.Outputs[i].Parameters, ParamBinaryData)
	}
	r.Source = nil
}

// AppendResponseBinary is AppendResponse for a client that asked for some
// outputs in binary (binary(name) true, see BinaryOutputs): those carry
// "parameters": {"binary_data_size": n} and no data in the JSON, which is
// appended to dst, and their bytes follow in bin, in output order. Errors
// wrap ErrBadUpstream, as AppendResponse's.
func AppendResponseBinary(dst []byte, r *Response, binary func(name string) bool) (json, bin []byte, err error) {
	if r.OIPOutputs != nil {
		return dst, nil, fmt.Errorf("%w: binary outputs need decoded outputs, not outputs as written", ErrBadUpstream)
	}
	outs := make([]Tensor, len(r.Outputs))
	raw := make([]bool, len(r.Outputs))
	for i := range r.Outputs {
		t := r.Outputs[i]
		if binary(t.Name) && t.DType.JSONSupported() {
			start := len(bin)
			bin = AppendTensorBinary(bin, &r.Outputs[i])
			t.Parameters = t.Parameters.Clone()
			if t.Parameters == nil {
				t.Parameters = Parameters{}
			}
			t.Parameters[ParamBinaryDataSize] = int64(len(bin) - start)
			raw[i] = true
		}
		outs[i] = t
	}
	rr := *r
	rr.Outputs = outs
	json, err = appendResponseHead(dst, &rr)
	if err == nil {
		json, err = appendTensorsOmitting(json, outs, "output", raw)
	}
	if err != nil {
		return dst, nil, fmt.Errorf("%w: %w", ErrBadUpstream, err)
	}
	return append(json, '}'), bin, nil
}

// AppendTensorBinary appends t's elements in the extension's binary form.
// It does not validate t.
func AppendTensorBinary(dst []byte, t *Tensor) []byte {
	d := &t.Data
	le := binary.LittleEndian
	switch t.DType {
	case Bool:
		for _, v := range d.Bool {
			if v {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		}
	case Int8:
		for _, v := range d.Int32 {
			dst = append(dst, byte(v))
		}
	case Int16:
		for _, v := range d.Int32 {
			dst = le.AppendUint16(dst, uint16(v))
		}
	case Int32:
		for _, v := range d.Int32 {
			dst = le.AppendUint32(dst, uint32(v))
		}
	case Int64:
		for _, v := range d.Int64 {
			dst = le.AppendUint64(dst, uint64(v))
		}
	case Uint8:
		for _, v := range d.Uint32 {
			dst = append(dst, byte(v))
		}
	case Uint16:
		for _, v := range d.Uint32 {
			dst = le.AppendUint16(dst, uint16(v))
		}
	case Uint32:
		for _, v := range d.Uint32 {
			dst = le.AppendUint32(dst, v)
		}
	case Uint64:
		for _, v := range d.Uint64 {
			dst = le.AppendUint64(dst, v)
		}
	case FP32:
		for _, v := range d.FP32 {
			dst = le.AppendUint32(dst, math.Float32bits(v))
		}
	case FP64:
		for _, v := range d.FP64 {
			dst = le.AppendUint64(dst, math.Float64bits(v))
		}
	case Bytes:
		for _, v := range d.Bytes {
			dst = le.AppendUint32(dst, uint32(len(v)))
			dst = append(dst, v...)
		}
	}
	return dst
}

// errBinaryNoData is the decoder's error for an input that has a
// binary_data_size but arrived in a body without a binary part.
var errBinaryNoData = errors.New("has binary_data_size but no data, and the body has no binary part (" +
	HeaderInferenceHeaderLength + " header)")
