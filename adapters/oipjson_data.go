// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"fmt"
	"math"

	"github.com/modelgate/modelgate/adapters/jsontext"
)

// dataReader decodes one tensor's "data" straight into its typed slice. Data
// is either flat (an array of scalars) or nested exactly as the shape says.
type dataReader struct {
	d      *jsontext.Decoder
	t      *Tensor
	want   int // elements the shape needs
	count  int // elements read
	nested bool
	flat   bool
	arena  []byte // backing store for BYTES elements
	// discard checks the elements but keeps none (see oipDecoder.scan):
	// float runs are passed over, and the typed slice that other elements
	// are read into is reused as it fills and emptied at the end.
	discard bool
}

// readData decodes t's data from d. avail is an upper bound on the bytes the
// data can occupy; it bounds preallocation, so that a tiny body claiming a
// huge shape cannot make us allocate for it.
func (c *oipDecoder) readData(d *jsontext.Decoder, t *Tensor, side string, avail int) error {
	want, err := NumElements(t.Shape)
	if err != nil {
		return fmt.Errorf("%s %q: shape %v: %v", side, t.Name, t.Shape, err)
	}
	r := dataReader{d: d, t: t, want: want, discard: c.scan}
	if !r.discard {
		// Each element takes at least two bytes ("1,").
		r.alloc(min(want, avail/2+1))
	}
	if err := r.array(1); err != nil {
		return fmt.Errorf("%s %q: %w", side, t.Name, err)
	}
	if r.count != want {
		return fmt.Errorf("%s %q: data has %d elements, shape %v needs %d", side, t.Name, r.count, t.Shape, want)
	}
	if r.discard {
		t.Data = TensorData{}
	}
	return nil
}

// recycle empties a full window when the reader discards.
func (r *dataReader) recycle() {
	if !r.discard {
		return
	}
	d := &r.t.Data
	d.Bool, d.Int32, d.Int64 = window(d.Bool), window(d.Int32), window(d.Int64)
	d.Uint32, d.Uint64 = window(d.Uint32), window(d.Uint64)
	d.FP32, d.FP64, d.Bytes = window(d.FP32), window(d.FP64), window(d.Bytes)
}

// window empties s when it is full, keeping its backing array.
func window[T any](s []T) []T {
	if len(s) == cap(s) {
		return s[:0]
	}
	return s
}

// alloc makes the (empty, non-nil) slice for the datatype.
func (r *dataReader) alloc(n int) {
	d := &r.t.Data
	switch r.t.DType {
	case Bool:
		d.Bool = make([]bool, 0, n)
	case Int8, Int16, Int32:
		d.Int32 = make([]int32, 0, n)
	case Int64:
		d.Int64 = make([]int64, 0, n)
	case Uint8, Uint16, Uint32:
		d.Uint32 = make([]uint32, 0, n)
	case Uint64:
		d.Uint64 = make([]uint64, 0, n)
	case FP32:
		d.FP32 = make([]float32, 0, n)
	case FP64:
		d.FP64 = make([]float64, 0, n)
	case Bytes:
		d.Bytes = make([][]byte, 0, n)
	case Invalid, FP16, BF16:
	}
}

// array reads the array at nesting level (1 for data itself).
func (r *dataReader) array(level int) error {
	rank := len(r.t.Shape)
	if level > 1 {
		if r.flat {
			return errors.New("data mixes scalars and arrays at the top level")
		}
		if level > rank {
			return fmt.Errorf("data is nested deeper than shape %v", r.t.Shape)
		}
		r.nested = true
	}
	if err := r.d.ReadArrayStart(); err != nil {
		return jsonErr("data", err)
	}
	n := 0
	for {
		k, err := r.bulk(level)
		if err != nil {
			return err
		}
		n += k
		if !r.d.More() {
			break
		}
		n++
		if r.d.PeekKind() == jsontext.Array {
			err = r.array(level + 1)
		} else {
			err = r.leaf(level)
		}
		if err != nil {
			return err
		}
	}
	if err := r.d.ReadArrayEnd(); err != nil {
		return err
	}
	if r.nested && int64(n) != r.t.Shape[level-1] {
		return fmt.Errorf("data: an array at nesting level %d has %d elements, shape %v needs %d",
			level, n, r.t.Shape, r.t.Shape[level-1])
	}
	return nil
}

// bulk reads a run of float elements at nesting level with the decoder's
// fast path, when the datatype and the level allow, and returns how many it
// read. Anything it stops at is left to the element-wise path.
func (r *dataReader) bulk(level int) (int, error) {
	dt := r.t.DType
	if dt != FP32 && dt != FP64 || level != len(r.t.Shape) && (level != 1 || r.nested) {
		return 0, nil
	}
	before := r.count
	var err error
	switch td := &r.t.Data; {
	case r.discard:
		// Checked, not kept: nothing to convert.
		var n int
		n, err = r.d.SkipNumbers(r.want - r.count)
		r.count += n
	case dt == FP32:
		td.FP32, err = r.d.ReadFloat32s(td.FP32, r.want-r.count)
		r.count = len(td.FP32)
	default:
		td.FP64, err = r.d.ReadFloat64s(td.FP64, r.want-r.count)
		r.count = len(td.FP64)
	}
	if r.count > before && level == 1 {
		r.flat = true
	}
	return r.count - before, err
}

// leaf reads one element at nesting level.
func (r *dataReader) leaf(level int) error {
	if level == 1 {
		if r.nested {
			return errors.New("data mixes scalars and arrays at the top level")
		}
		r.flat = true
	} else if level != len(r.t.Shape) {
		return fmt.Errorf("data: scalar at nesting level %d, shape %v has rank %d", level, r.t.Shape, len(r.t.Shape))
	}
	if r.count >= r.want {
		return fmt.Errorf("data has more elements than shape %v needs (%d)", r.t.Shape, r.want)
	}
	i := r.count
	r.count++
	r.recycle()
	if err := r.element(); err != nil {
		return r.elementError(i, err)
	}
	return nil
}

// element reads one scalar into the typed slice.
func (r *dataReader) element() error {
	d, td := r.d, &r.t.Data
	switch r.t.DType {
	case Bool:
		v, err := d.ReadBool()
		td.Bool = append(td.Bool, v)
		return err
	case Int8, Int16, Int32:
		v, err := r.int(intRange(r.t.DType))
		td.Int32 = append(td.Int32, int32(v))
		return err
	case Int64:
		v, err := d.ReadInt64()
		td.Int64 = append(td.Int64, v)
		return err
	case Uint8, Uint16, Uint32:
		v, err := r.uint(uintMax(r.t.DType))
		td.Uint32 = append(td.Uint32, uint32(v))
		return err
	case Uint64:
		v, err := d.ReadUint64()
		td.Uint64 = append(td.Uint64, v)
		return err
	case FP32:
		v, err := d.ReadFloat32()
		td.FP32 = append(td.FP32, v)
		return err
	case FP64:
		v, err := d.ReadFloat64()
		td.FP64 = append(td.FP64, v)
		return err
	case Bytes:
		return r.bytes()
	case Invalid, FP16, BF16:
	}
	return fmt.Errorf("datatype %s is not supported", r.t.DType)
}

// errRange marks an integer outside its datatype's range; the decoder has
// consumed it.
var errRange = errors.New("out of range")

func (r *dataReader) int(lo, hi int64) (int64, error) {
	v, err := r.d.ReadInt64()
	if err == nil && (v < lo || v > hi) {
		return v, fmt.Errorf("%d is %w for %s", v, errRange, r.t.DType)
	}
	return v, err
}

func (r *dataReader) uint(hi uint64) (uint64, error) {
	v, err := r.d.ReadUint64()
	if err == nil && v > hi {
		return v, fmt.Errorf("%d is %w for %s", v, errRange, r.t.DType)
	}
	return v, err
}

func intRange(dt DType) (int64, int64) {
	switch dt {
	case Int8:
		return math.MinInt8, math.MaxInt8
	case Int16:
		return math.MinInt16, math.MaxInt16
	}
	return math.MinInt32, math.MaxInt32
}

func uintMax(dt DType) uint64 {
	switch dt {
	case Uint8:
		return math.MaxUint8
	case Uint16:
		return math.MaxUint16
	}
	return math.MaxUint32
}

// bytes reads a BYTES element (a JSON string) into the arena, so that
// elements share few allocations.
func (r *dataReader) bytes() error {
	if cap(r.arena)-len(r.arena) < 64 {
		r.arena = make([]byte, 0, max(4096, 2*cap(r.arena)))
	}
	start := len(r.arena)
	arena, err := r.d.ReadStringAppend(r.arena)
	if err != nil {
		return err
	}
	r.arena = arena
	r.t.Data.Bytes = append(r.t.Data.Bytes, arena[start:len(arena):len(arena)])
	return nil
}

// elementError phrases a failed element read: "element 3: 1.5 is not an
// INT32", quoting the offending value.
func (r *dataReader) elementError(i int, err error) error {
	if errors.Is(err, errRange) {
		return fmt.Errorf("element %d: %w", i, err)
	}
	var ve *jsontext.ValueError
	if !errors.As(err, &ve) {
		return err // malformed JSON
	}
	raw, rerr := r.d.ReadRaw()
	if rerr != nil {
		return rerr
	}
	if r.t.DType == Bytes {
		return fmt.Errorf("element %d: %s is not a BYTES string", i, quoteRaw(raw))
	}
	return fmt.Errorf("element %d: %s is not %s %s", i, quoteRaw(raw), article(r.t.DType), r.t.DType)
}

// article is the indefinite article for a datatype name read aloud.
func article(dt DType) string {
	switch dt {
	case Int8, Int16, Int32, Int64, FP16, FP32, FP64:
		return "an"
	}
	return "a"
}
