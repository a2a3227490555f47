// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// builder accumulates one tensor from JSON items, straight into its typed
// slice: the whole tensor (columnar) or one example after another (row).
// It follows TF Serving's FillTensorProto: an item's shape is read from the
// first element at each nesting level, scalars must all sit at the depth of
// the first one, and every list must have the size of the first list at its
// level.
type builder struct {
	name  string
	dtype adapters.DType // declared, or inferred so far (Invalid: nothing yet)
	infer bool
	data  adapters.TensorData
	arena []byte // backing store for BYTES elements

	// the item being read
	rank   int     // nesting depth of its scalars; -1 until known
	dims   []int64 // list size per level; -1 until the first list there closes
	leaves int

	// the items read so far
	items     int
	itemShape []int64 // shape of the first item
	itemSize  int     // scalars in the first item

	// where the tensor's values lie, for reserve: from its first item to end
	// (0 when unknown, as for tensors interleaved with others)
	start, end int
	reserved   bool
}

// spanning marks b as the only tensor in data from the decoder's offset to
// the end, so that reserve may size it from the bytes.
func (b *builder) spanning(d *jsontext.Decoder, data []byte) *builder {
	b.start, b.end = d.Offset(), len(data)
	return b
}

// newBuilder returns a builder for a tensor of datatype dt, or one that
// infers its datatype when dt is Invalid.
func newBuilder(name string, dt adapters.DType) *builder {
	return &builder{name: name, dtype: dt, infer: dt == adapters.Invalid}
}

// item reads one JSON value as the next item (example) of the tensor.
func (b *builder) item(d *jsontext.Decoder) error {
	b.rank, b.dims, b.leaves = -1, b.dims[:0], 0
	if err := b.value(d, 0); err != nil {
		return err
	}
	shape := b.dims[:b.rank]
	switch {
	case b.items == 0:
		b.itemShape, b.itemSize = slices.Clone(shape), b.leaves
	case b.leaves != b.itemSize:
		return tfErrorf("Expecting tensor size: %d but got: %d", b.itemSize, b.leaves)
	case !slices.Equal(shape, b.itemShape):
		return tfErrorf("Expecting shape %s but got: %s", shapeString(b.itemShape), shapeString(shape))
	}
	b.items++
	return nil
}

// shapeString prints a shape as TF does: [2,3].
func shapeString(shape []int64) string {
	var s strings.Builder
	s.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			s.WriteByte(',')
		}
		s.WriteString(strconv.FormatInt(d, 10))
	}
	s.WriteByte(']')
	return s.String()
}

func (b *builder) value(d *jsontext.Decoder, level int) error {
	switch d.PeekKind() {
	case jsontext.Array:
		return b.list(d, level)
	case jsontext.Object:
		return b.object(d, level)
	}
	if err := b.atLeafLevel(d, level); err != nil {
		return err
	}
	if b.infer {
		return b.inferLeaf(d)
	}
	return b.typedLeaf(d)
}

func (b *builder) list(d *jsontext.Decoder, level int) error {
	if b.rank >= 0 && level >= b.rank {
		return tfErrorf("Encountered list at unexpected level: %d expected < %d", level, b.rank)
	}
	if err := d.ReadArrayStart(); err != nil {
		return err
	}
	n := 0
	for {
		k, err := b.bulk(d, level+1)
		if err != nil {
			return err
		}
		n += k
		if !d.More() {
			break
		}
		n++
		if err := b.value(d, level+1); err != nil {
			return err
		}
	}
	if err := d.ReadArrayEnd(); err != nil {
		return err
	}
	if n == 0 && b.rank < 0 {
		b.rank = level + 1
	}
	for len(b.dims) <= level {
		b.dims = append(b.dims, -1)
	}
	if b.dims[level] < 0 {
		b.dims[level] = int64(n)
	} else if b.dims[level] != int64(n) {
		return tfErrorf("Encountered list at unexpected size: %d at level: %d expected size: %d", n, level, b.dims[level])
	}
	return nil
}

// bulk reads a run of numbers at nesting level with the decoder's fast
// path when the tensor holds floats and scalars belong at that level, and
// returns how many it read; whatever stops the run is left to value.
func (b *builder) bulk(d *jsontext.Decoder, level int) (int, error) {
	if b.rank >= 0 && level != b.rank {
		return 0, nil
	}
	before := b.count()
	var err error
	switch {
	case b.dtype == adapters.FP32 && !b.infer:
		b.data.FP32, err = d.ReadFloat32s(b.data.FP32, math.MaxInt)
	case b.dtype == adapters.FP64:
		b.data.FP64, err = d.ReadFloat64s(b.data.FP64, math.MaxInt)
	default:
		return 0, nil
	}
	k := b.count() - before
	if k > 0 {
		if b.rank < 0 {
			b.rank = level
		}
		b.leaves += k
		b.reserve(d)
	}
	return k, err
}

// count is the number of values held.
func (b *builder) count() int { return b.data.Len() }

// reserve grows the float slice once, after the first values, to the size
// the rest of the body suggests, so that appends do not copy a large tensor
// over and over. The estimate assumes the remaining bytes hold values like
// those read so far, and it never exceeds what the bytes could hold.
func (b *builder) reserve(d *jsontext.Decoder) {
	const sample = 64
	n := b.count()
	if b.reserved || n < sample || b.end <= b.start {
		return
	}
	b.reserved = true
	used := max(d.Offset()-b.start, 1)
	est := min(n*(b.end-b.start)/used*17/16+16, (b.end-b.start)/2+1)
	if b.dtype == adapters.FP32 {
		b.data.FP32 = slices.Grow(b.data.FP32, est-n)
	} else {
		b.data.FP64 = slices.Grow(b.data.FP64, est-n)
	}
}

// atLeafLevel checks that a scalar sits where the item's first one did.
func (b *builder) atLeafLevel(d *jsontext.Decoder, level int) error {
	if b.rank < 0 {
		b.rank = level
	} else if level != b.rank {
		raw, err := d.ReadRaw()
		if err != nil {
			return err
		}
		return tfErrorf("JSON Value: %s found at incorrect level: %d in the JSON DOM. Expected at level: %d",
			debugJSON(raw), level+1, b.rank)
	}
	b.leaves++
	return nil
}

// object reads an object where a scalar is due: {"b64": "…"} is a BYTES
// element; anything else is an error.
func (b *builder) object(d *jsontext.Decoder, level int) error {
	if err := b.atLeafLevel(d, level); err != nil {
		return err
	}
	raw, err := d.ReadRaw()
	if err != nil {
		return err
	}
	enc, ok := b64Value(raw)
	switch {
	case !ok && (b.infer || b.dtype == adapters.Bytes):
		return formatError(raw, "not formatted correctly for base64 data")
	case b.infer && b.dtype != adapters.Invalid && b.dtype != adapters.Bytes:
		return b.mixError(raw)
	case !b.infer && b.dtype != adapters.Bytes:
		return typeError(raw, b.dtype)
	}
	b.dtype = adapters.Bytes
	dec, err := decodeBase64(enc)
	if err != nil {
		return err
	}
	b.data.Bytes = append(b.data.Bytes, dec)
	return nil
}

// b64Value reports whether raw is an object with exactly one member, "b64",
// whose value is a string, and returns that string.
func b64Value(raw []byte) (string, bool) {
	d := jsontext.NewDecoder(raw)
	if d.ReadObjectStart() != nil || !d.More() {
		return "", false
	}
	key, err := d.ReadObjectKeyBytes()
	if err != nil || string(key) != "b64" || d.PeekKind() != jsontext.String {
		return "", false
	}
	s, err := d.ReadString()
	if err != nil || d.More() {
		return "", false
	}
	return s, true
}

// decodeBase64 decodes standard base64, padded or not (absl's
// Base64Unescape accepts both).
func decodeBase64(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	dec, err := enc.DecodeString(s)
	if err != nil {
		return nil, tfErrorf("Unable to base64 decode")
	}
	return dec, nil
}

// typedLeaf reads a scalar as the declared datatype, as TF's
// AddValueToTensor does.
func (b *builder) typedLeaf(d *jsontext.Decoder) error {
	td := &b.data
	var err error
	switch b.dtype {
	case adapters.FP32:
		var v float32
		v, err = d.ReadFloat32()
		td.FP32 = append(td.FP32, v)
	case adapters.FP64:
		var v float64
		v, err = d.ReadFloat64()
		td.FP64 = append(td.FP64, v)
	case adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64:
		return b.intLeaf(d)
	case adapters.Uint8, adapters.Uint16, adapters.Uint32, adapters.Uint64:
		return b.uintLeaf(d)
	case adapters.Bool:
		var v bool
		v, err = d.ReadBool()
		td.Bool = append(td.Bool, v)
	case adapters.Bytes:
		return b.stringLeaf(d)
	case adapters.FP16, adapters.BF16, adapters.Invalid:
		raw, rerr := d.ReadRaw()
		if rerr != nil {
			return rerr
		}
		return tfErrorf("Conversion of JSON Value: %s to type: %s is not supported", debugJSON(raw), tfTypeName(b.dtype))
	}
	return b.leafError(d, err)
}

// leafError turns a read error into TF's TypeError, quoting the value.
func (b *builder) leafError(d *jsontext.Decoder, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*jsontext.ValueError); !ok {
		return err
	}
	raw, rerr := d.ReadRaw()
	if rerr != nil {
		return rerr
	}
	return typeError(raw, b.dtype)
}

func (b *builder) intLeaf(d *jsontext.Decoder) error {
	v, err := d.ReadInt64()
	if err != nil {
		return b.leafError(d, err)
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch b.dtype {
	case adapters.Int8:
		lo, hi = math.MinInt8, math.MaxInt8
	case adapters.Int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case adapters.Int32:
		lo, hi = math.MinInt32, math.MaxInt32
	}
	if v < lo || v > hi {
		return typeError(strconv.AppendInt(nil, v, 10), b.dtype)
	}
	if b.dtype == adapters.Int64 {
		b.data.Int64 = append(b.data.Int64, v)
	} else {
		b.data.Int32 = append(b.data.Int32, int32(v))
	}
	return nil
}

func (b *builder) uintLeaf(d *jsontext.Decoder) error {
	v, err := d.ReadUint64()
	if err != nil {
		return b.leafError(d, err)
	}
	hi := uint64(math.MaxUint64)
	switch b.dtype {
	case adapters.Uint8:
		hi = math.MaxUint8
	case adapters.Uint16:
		hi = math.MaxUint16
	case adapters.Uint32:
		hi = math.MaxUint32
	}
	if v > hi {
		return typeError(strconv.AppendUint(nil, v, 10), b.dtype)
	}
	if b.dtype == adapters.Uint64 {
		b.data.Uint64 = append(b.data.Uint64, v)
	} else {
		b.data.Uint32 = append(b.data.Uint32, uint32(v))
	}
	return nil
}

// stringLeaf reads a string into the arena, so that elements share few
// allocations.
func (b *builder) stringLeaf(d *jsontext.Decoder) error {
	if cap(b.arena)-len(b.arena) < 64 {
		b.arena = make([]byte, 0, max(4096, 2*cap(b.arena)))
	}
	start := len(b.arena)
	arena, err := d.ReadStringAppend(b.arena)
	if err != nil {
		return b.leafError(d, err)
	}
	b.arena = arena
	b.data.Bytes = append(b.data.Bytes, arena[start:len(arena):len(arena)])
	return nil
}

// tensor returns the tensor built so far: the items stacked along a new
// first dimension when batched (row format), else the single item.
func (b *builder) tensor(batched bool) adapters.Tensor {
	if b.dtype == adapters.Invalid {
		b.dtype = adapters.FP64 // no values to infer from
	}
	shape := slices.Clone(b.itemShape)
	if batched {
		shape = append([]int64{int64(b.items)}, b.itemShape...)
	} else if shape == nil {
		shape = []int64{}
	}
	td := b.data
	switch b.dtype {
	case adapters.Bool:
		td.Bool = nonNil(td.Bool)
	case adapters.Int8, adapters.Int16, adapters.Int32:
		td.Int32 = nonNil(td.Int32)
	case adapters.Int64:
		td.Int64 = nonNil(td.Int64)
	case adapters.Uint8, adapters.Uint16, adapters.Uint32:
		td.Uint32 = nonNil(td.Uint32)
	case adapters.Uint64:
		td.Uint64 = nonNil(td.Uint64)
	case adapters.FP32:
		td.FP32 = nonNil(td.FP32)
	case adapters.FP64:
		td.FP64 = nonNil(td.FP64)
	case adapters.Bytes:
		td.Bytes = nonNil(td.Bytes)
	case adapters.FP16, adapters.BF16, adapters.Invalid:
	}
	return adapters.Tensor{Name: b.name, DType: b.dtype, Shape: shape, Data: td}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
