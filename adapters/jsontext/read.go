// SPDX-License-Identifier: Apache-2.0

package jsontext

import "strconv"

// ReadArrayStart consumes the '[' that opens an array.
func (d *Decoder) ReadArrayStart() error {
	return d.open('[', "array")
}

// ReadObjectStart consumes the '{' that opens an object.
func (d *Decoder) ReadObjectStart() error {
	return d.open('{', "object")
}

func (d *Decoder) open(c byte, want string) error {
	if err := d.beginValue(); err != nil {
		return err
	}
	if d.data[d.pos] != c {
		return d.wrongKind(want)
	}
	if d.depth >= MaxDepth {
		return d.syntax(d.pos, "exceeded max depth "+strconv.Itoa(MaxDepth))
	}
	l := d.depth
	if c == '{' {
		d.objs[l>>6] |= 1 << (l & 63)
	} else {
		d.objs[l>>6] &^= 1 << (l & 63)
	}
	d.depth++
	d.pos++
	d.state = stFirst
	return nil
}

// ReadArrayEnd consumes the ']' that closes the current array. Call it once
// More has returned false.
func (d *Decoder) ReadArrayEnd() error {
	return d.close(']')
}

// ReadObjectEnd consumes the '}' that closes the current object. Call it
// once More has returned false.
func (d *Decoder) ReadObjectEnd() error {
	return d.close('}')
}

func (d *Decoder) close(c byte) error {
	if d.err != nil {
		return d.err
	}
	if d.depth == 0 || d.closer() != c || (d.state != stFirst && d.state != stAfterValue) {
		return d.fail(errMisuse)
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	if got := d.data[d.pos]; got != c {
		if got == ',' {
			return d.fail(errMisuse) // the caller stopped before the end
		}
		return d.syntax(d.pos, "invalid character "+quoteChar(got)+" after "+d.where())
	}
	d.pos++
	d.depth--
	d.state = stAfterValue
	return nil
}

// ReadObjectKey reads the next object key and the colon after it, and
// returns the key. Call it after More has returned true inside an object.
func (d *Decoder) ReadObjectKey() (string, error) {
	k, err := d.ReadObjectKeyBytes()
	return string(k), err
}

// ReadObjectKeyBytes is ReadObjectKey without the string allocation. The
// result aliases the input or an internal buffer and is valid until the next
// read.
func (d *Decoder) ReadObjectKeyBytes() ([]byte, error) {
	if err := d.beginKey(); err != nil {
		return nil, err
	}
	k, err := d.readScratch()
	if err != nil {
		return nil, err
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		return nil, d.eof()
	}
	if c := d.data[d.pos]; c != ':' {
		return nil, d.syntax(d.pos, "invalid character "+quoteChar(c)+" after object key")
	}
	d.pos++
	d.state = stNeedValue
	return k, nil
}

func (d *Decoder) beginKey() error {
	if d.err != nil {
		return d.err
	}
	if !d.inObject() || d.state == stNeedValue {
		return d.fail(errMisuse)
	}
	if d.state == stAfterValue && !d.More() {
		if d.err != nil {
			return d.err
		}
		return d.fail(errMisuse) // at the closing brace
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	if c := d.data[d.pos]; c != '"' {
		return d.syntax(d.pos, "invalid character "+quoteChar(c)+" looking for beginning of object key string")
	}
	return nil
}

// ReadString reads a string value.
func (d *Decoder) ReadString() (string, error) {
	b, err := d.ReadStringBytes()
	return string(b), err
}

// ReadStringBytes reads a string value without allocating a string. The
// result aliases the input or an internal buffer and is valid until the next
// read.
func (d *Decoder) ReadStringBytes() ([]byte, error) {
	if err := d.beginString(); err != nil {
		return nil, err
	}
	return d.readScratch()
}

// ReadStringAppend reads a string value and appends its unescaped bytes to
// dst, returning the extended slice. The result never aliases the input.
func (d *Decoder) ReadStringAppend(dst []byte) ([]byte, error) {
	if err := d.beginString(); err != nil {
		return dst, err
	}
	out, copied, err := d.readString(dst)
	if err != nil {
		return dst, err
	}
	if !copied {
		return append(dst, out...), nil
	}
	return out, nil
}

func (d *Decoder) beginString() error {
	if err := d.beginValue(); err != nil {
		return err
	}
	if d.data[d.pos] != '"' {
		return d.wrongKind("string")
	}
	return nil
}

// readString reads the string starting at d.pos ('"'). Without escapes it
// returns a slice of the input (copied == false); with escapes it appends the
// unescaped bytes to buf and returns that (copied == true).
func (d *Decoder) readString(buf []byte) (out []byte, copied bool, err error) {
	start := d.pos + 1
	end, escaped, serr := scanString(d.data, d.pos)
	if serr != nil {
		return nil, false, d.fail(serr)
	}
	d.pos = end
	d.state = stAfterValue
	if !escaped {
		return d.data[start : end-1], false, nil
	}
	return unescape(buf, d.data[start:end-1]), true, nil
}

// readScratch reads a string, unescaping into the decoder's scratch buffer.
func (d *Decoder) readScratch() ([]byte, error) {
	out, copied, err := d.readString(d.buf[:0])
	if copied && cap(out) <= 1<<16 {
		d.buf = out[:0] // keep moderate scratch buffers for reuse
	}
	return out, err
}

// ReadNumber reads a number and returns its literal text (which may be NaN,
// Infinity or -Infinity).
func (d *Decoder) ReadNumber() ([]byte, error) {
	_, raw, err := d.readNumber()
	return raw, err
}

func (d *Decoder) readNumber() (number, []byte, error) {
	if err := d.beginValue(); err != nil {
		return number{}, nil, err
	}
	start := d.pos
	if kindOf(d.data[start]) != Number {
		return number{}, nil, d.wrongKind("number")
	}
	n, end, serr := scanNumber(d.data, start)
	if serr != nil {
		return number{}, nil, d.fail(serr)
	}
	d.pos = end
	d.state = stAfterValue
	return n, d.data[start:end], nil
}

// ReadFloat64 reads a number as a float64, rounding to nearest. Literals
// beyond the float64 range give ±Inf; NaN and Infinity tokens are accepted.
func (d *Decoder) ReadFloat64() (float64, error) {
	n, raw, err := d.readNumber()
	if err != nil {
		return 0, err
	}
	return n.float64(raw), nil
}

// ReadFloat32 reads a number as a float32, rounding the decimal literal to
// nearest directly (not through float64). Literals beyond the float32 range
// give ±Inf.
func (d *Decoder) ReadFloat32() (float32, error) {
	n, raw, err := d.readNumber()
	if err != nil {
		return 0, err
	}
	return n.float32(raw), nil
}

// ReadInt64 reads an integer literal (no fraction or exponent) that fits in
// an int64. Otherwise it returns a *ValueError and does not advance.
func (d *Decoder) ReadInt64() (int64, error) {
	pos, st := d.pos, d.state
	n, raw, err := d.readNumber()
	if err != nil {
		return 0, err
	}
	v, msg := n.int64()
	if msg != "" {
		off := d.pos - len(raw)
		d.pos, d.state = pos, st
		return 0, &ValueError{Offset: off, Kind: Number, Msg: "number " + string(raw) + " " + msg}
	}
	return v, nil
}

// ReadUint64 reads a non-negative integer literal that fits in a uint64.
// Otherwise it returns a *ValueError and does not advance.
func (d *Decoder) ReadUint64() (uint64, error) {
	pos, st := d.pos, d.state
	n, raw, err := d.readNumber()
	if err != nil {
		return 0, err
	}
	v, msg := n.uint64(raw)
	if msg != "" {
		off := d.pos - len(raw)
		d.pos, d.state = pos, st
		return 0, &ValueError{Offset: off, Kind: Number, Msg: "number " + string(raw) + " " + msg}
	}
	return v, nil
}

// ReadBool reads true or false.
func (d *Decoder) ReadBool() (bool, error) {
	if err := d.beginValue(); err != nil {
		return false, err
	}
	switch d.data[d.pos] {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	}
	return false, d.wrongKind("bool")
}

// ReadNull reads null.
func (d *Decoder) ReadNull() error {
	if err := d.beginValue(); err != nil {
		return err
	}
	if d.data[d.pos] != 'n' {
		return d.wrongKind("null")
	}
	return d.literal("null")
}

func (d *Decoder) literal(lit string) error {
	end, err := matchLiteral(d.data, d.pos, lit)
	if err != nil {
		return d.fail(err)
	}
	d.pos = end
	d.state = stAfterValue
	return nil
}

// Skip reads and discards the next value, checking that it is well formed.
func (d *Decoder) Skip() error {
	if err := d.beginValue(); err != nil {
		return err
	}
	switch c := d.data[d.pos]; kindOf(c) {
	case Array:
		return d.skipArray()
	case Object:
		return d.skipObject()
	case String:
		end, _, err := scanString(d.data, d.pos)
		if err != nil {
			return d.fail(err)
		}
		d.pos = end
		d.state = stAfterValue
		return nil
	case Number:
		_, _, err := d.readNumber()
		return err
	case Bool:
		_, err := d.ReadBool()
		return err
	case Null:
		return d.ReadNull()
	default:
		return d.wrongKind("value")
	}
}

func (d *Decoder) skipArray() error {
	if err := d.ReadArrayStart(); err != nil {
		return err
	}
	for d.More() {
		if err := d.Skip(); err != nil {
			return err
		}
	}
	return d.ReadArrayEnd()
}

func (d *Decoder) skipObject() error {
	if err := d.ReadObjectStart(); err != nil {
		return err
	}
	for d.More() {
		if err := d.skipKey(); err != nil {
			return err
		}
		if err := d.Skip(); err != nil {
			return err
		}
	}
	return d.ReadObjectEnd()
}

// skipKey is ReadObjectKeyBytes without unescaping.
func (d *Decoder) skipKey() error {
	if err := d.beginKey(); err != nil {
		return err
	}
	end, _, err := scanString(d.data, d.pos)
	if err != nil {
		return d.fail(err)
	}
	d.pos = end
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	if c := d.data[d.pos]; c != ':' {
		return d.syntax(d.pos, "invalid character "+quoteChar(c)+" after object key")
	}
	d.pos++
	d.state = stNeedValue
	return nil
}

// ReadRaw reads the next value, checking that it is well formed, and returns
// its bytes (a slice of the input). The value starts at Offset()-len(raw)
// after the call.
func (d *Decoder) ReadRaw() ([]byte, error) {
	if err := d.beginValue(); err != nil {
		return nil, err
	}
	start := d.pos
	if err := d.Skip(); err != nil {
		return nil, err
	}
	return d.data[start:d.pos], nil
}
