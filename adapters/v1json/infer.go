// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// inferLeaf reads a scalar of a tensor without a declared datatype: the
// first scalar sets the datatype (integers INT64, other numbers FP64,
// strings BYTES, booleans BOOL); a later non-integer number turns an INT64
// tensor into FP64; any other change of kind is an error.
func (b *builder) inferLeaf(d *jsontext.Decoder) error {
	switch d.PeekKind() {
	case jsontext.Number:
		return b.inferNumber(d)
	case jsontext.String:
		if b.dtype == adapters.Invalid {
			b.dtype = adapters.Bytes
		}
		if b.dtype != adapters.Bytes {
			return b.mixErrorAt(d)
		}
		return b.stringLeaf(d)
	case jsontext.Bool:
		if b.dtype == adapters.Invalid {
			b.dtype = adapters.Bool
		}
		if b.dtype != adapters.Bool {
			return b.mixErrorAt(d)
		}
		v, err := d.ReadBool()
		b.data.Bool = append(b.data.Bool, v)
		return err
	case jsontext.Null:
		raw, err := d.ReadRaw()
		if err != nil {
			return err
		}
		return tfErrorf("JSON Value: %s Type: %s is not a number, string or bool (input %q)", debugJSON(raw), jsonTypeName(raw), b.name)
	}
	return d.Skip() // malformed: reports the syntax error
}

func (b *builder) inferNumber(d *jsontext.Decoder) error {
	switch b.dtype {
	case adapters.Invalid, adapters.Int64:
		v, err := d.ReadInt64()
		if err == nil {
			b.dtype = adapters.Int64
			b.data.Int64 = append(b.data.Int64, v)
			return nil
		}
		if _, ok := err.(*jsontext.ValueError); !ok {
			return err
		}
		// Not an int64: the whole tensor becomes FP64.
		if b.dtype == adapters.Int64 {
			b.promote()
		}
		b.dtype = adapters.FP64
	case adapters.FP64:
	default:
		return b.mixErrorAt(d)
	}
	v, err := d.ReadFloat64()
	b.data.FP64 = append(b.data.FP64, v)
	return err
}

// promote turns the INT64 values read so far into FP64.
func (b *builder) promote() {
	f := make([]float64, len(b.data.Int64), max(cap(b.data.Int64), 8))
	for i, v := range b.data.Int64 {
		f[i] = float64(v)
	}
	b.data.FP64, b.data.Int64, b.dtype = f, nil, adapters.FP64
}

// mixErrorAt reports the next value as not matching the inferred datatype.
func (b *builder) mixErrorAt(d *jsontext.Decoder) error {
	raw, err := d.ReadRaw()
	if err != nil {
		return err
	}
	return b.mixError(raw)
}

func (b *builder) mixError(raw []byte) error {
	return tfErrorf("JSON Value: %s Type: %s is not of expected type: %s (input %q was inferred as %s from its first value)",
		debugJSON(raw), jsonTypeName(raw), tfTypeName(b.dtype), b.name, tfTypeName(b.dtype))
}
