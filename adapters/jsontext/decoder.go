// SPDX-License-Identifier: Apache-2.0

package jsontext

import "errors"

// MaxDepth bounds how deeply arrays and objects may nest. Deeper input is a
// *SyntaxError, so that hostile documents cannot exhaust the stack of
// recursive consumers (Parse, Skip, tensor decoders).
const MaxDepth = 256

// errMisuse reports a read that does not fit the document's structure as the
// caller has walked it (a value read where an object key is due, an end
// without a start). It is a programming error in the caller, made sticky.
var errMisuse = errors.New("jsontext: read does not match the document structure")

// state says what the decoder expects next inside the current container.
type state uint8

const (
	stNeedValue  state = iota // a value must follow (document start, after ',' in an array, after ':')
	stFirst                   // just inside '[' or '{': the first element or the close
	stAfterValue              // a value ended: ',' or the close follows (at the top level: the end)
	stNeedKey                 // after ',' in an object: a key must follow
)

// Decoder reads one JSON document from a byte slice, token by token. See the
// package documentation for the reading pattern. A Decoder is not safe for
// concurrent use. Slices it returns (ReadNumber, ReadRaw, ReadStringBytes,
// ReadObjectKeyBytes) may alias the input or an internal buffer; they are
// valid until the next read unless documented otherwise.
type Decoder struct {
	data  []byte
	pos   int
	depth int
	objs  [MaxDepth / 64]uint64 // bit i set: nesting level i is an object
	state state
	err   error
	buf   []byte // scratch for unescaped strings and keys
}

// NewDecoder returns a Decoder that reads the JSON document in data. The
// Decoder does not modify data.
func NewDecoder(data []byte) *Decoder {
	return &Decoder{data: data}
}

// NewDecoderRange returns a Decoder that reads the one JSON value held in
// data[start:end], reporting offsets relative to data. It serves deferred
// decoding: note Offset before and after ReadRaw, decode the value later.
// Out-of-range bounds are clamped.
func NewDecoderRange(data []byte, start, end int) *Decoder {
	end = min(max(end, 0), len(data))
	start = min(max(start, 0), end)
	return &Decoder{data: data[:end], pos: start}
}

// Offset returns the byte offset of the next unread byte, or of the error
// once one occurred.
func (d *Decoder) Offset() int {
	if d.err == nil {
		return d.pos // before the declaration below, which allocates
	}
	var se *SyntaxError
	if errors.As(d.err, &se) {
		return se.Offset
	}
	return d.pos
}

// Err returns the sticky error, if any.
func (d *Decoder) Err() error { return d.err }

// Depth returns the number of open arrays and objects.
func (d *Decoder) Depth() int { return d.depth }

func (d *Decoder) inObject() bool {
	l := d.depth - 1
	return l >= 0 && d.objs[l>>6]>>(l&63)&1 == 1
}

func (d *Decoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// fail records err as the sticky error (the first one wins) and returns it.
func (d *Decoder) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return d.err
}

func (d *Decoder) syntax(off int, msg string) error {
	return d.fail(&SyntaxError{Offset: off, Msg: msg})
}

func (d *Decoder) eof() error {
	return d.syntax(len(d.data), "unexpected end of JSON input")
}

// where names the current context for "invalid character … after …".
func (d *Decoder) where() string {
	switch {
	case d.depth == 0:
		return "top-level value"
	case d.inObject():
		return "object key:value pair"
	}
	return "array element"
}

func (d *Decoder) closer() byte {
	if d.inObject() {
		return '}'
	}
	return ']'
}

// beginValue positions the decoder at the first byte of the next value,
// consuming a separating comma in arrays.
func (d *Decoder) beginValue() error {
	if d.err != nil {
		return d.err
	}
	if d.state != stNeedValue {
		if err := d.beginElement(); err != nil {
			return err
		}
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	return nil
}

// beginElement handles the slow states of beginValue: the first array
// element, or a comma the caller did not consume through More.
func (d *Decoder) beginElement() error {
	if d.inObject() || d.state == stNeedKey {
		return d.fail(errMisuse)
	}
	if d.state == stFirst {
		d.state = stNeedValue
		return nil
	}
	// stAfterValue
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	c := d.data[d.pos]
	if d.depth == 0 || c != ',' {
		return d.syntax(d.pos, "invalid character "+quoteChar(c)+" after "+d.where())
	}
	d.pos++
	d.state = stNeedValue
	return nil
}

// wrongKind reports that the value at d.pos is not of the wanted kind: a
// *ValueError if it is a plausible value, else a *SyntaxError.
func (d *Decoder) wrongKind(want string) error {
	c := d.data[d.pos]
	k := kindOf(c)
	if k == Invalid {
		return d.syntax(d.pos, "invalid character "+quoteChar(c)+" looking for beginning of value")
	}
	return &ValueError{Offset: d.pos, Kind: k, Msg: "found " + k.String() + ", want " + want}
}

// More reports whether the current array or object has another element. It
// consumes the separating comma, so the next read starts at the element. It
// returns false at the closing bracket, at the top level, and on error.
func (d *Decoder) More() bool {
	if d.err != nil || d.depth == 0 {
		return false
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		d.eof()
		return false
	}
	c := d.data[d.pos]
	switch d.state {
	case stFirst:
		return c != d.closer()
	case stAfterValue:
		return d.moreAfterValue(c)
	}
	return true
}

func (d *Decoder) moreAfterValue(c byte) bool {
	closer := d.closer()
	if c == closer {
		return false
	}
	if c != ',' {
		d.syntax(d.pos, "invalid character "+quoteChar(c)+" after "+d.where())
		return false
	}
	d.pos++
	d.state = stNeedValue
	what := "value"
	if closer == '}' {
		d.state = stNeedKey
		what = "object key string"
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		d.eof()
		return false
	}
	if c = d.data[d.pos]; c == closer {
		d.syntax(d.pos, "invalid character "+quoteChar(c)+" looking for beginning of "+what)
		return false
	}
	return true
}

// PeekKind returns the kind of the next value (or, in an object, String for
// the next key) without consuming it. It returns End at the close of the
// current array or object and after the top-level value when only
// whitespace follows, and Invalid on error or malformed input.
func (d *Decoder) PeekKind() Kind {
	if d.err != nil {
		return Invalid
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		if d.depth == 0 && d.state == stAfterValue {
			return End
		}
		return Invalid
	}
	c := d.data[d.pos]
	switch d.state {
	case stFirst:
		if c == d.closer() {
			return End
		}
	case stAfterValue:
		return d.peekAfterValue(c)
	}
	return kindOf(c)
}

func (d *Decoder) peekAfterValue(c byte) Kind {
	if d.depth == 0 {
		return Invalid
	}
	if c == d.closer() {
		return End
	}
	if c != ',' {
		return Invalid
	}
	i := d.pos + 1
	for i < len(d.data) && isSpace(d.data[i]) {
		i++
	}
	if i >= len(d.data) {
		return Invalid
	}
	return kindOf(d.data[i])
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// Finish checks that the document is complete: the top-level value has been
// read and only whitespace follows it.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if d.depth != 0 {
		return d.fail(errMisuse)
	}
	d.skipWS()
	if d.state != stAfterValue {
		if d.pos >= len(d.data) {
			return d.eof()
		}
		return d.fail(errMisuse)
	}
	if d.pos < len(d.data) {
		return d.syntax(d.pos, "invalid character "+quoteChar(d.data[d.pos])+" after top-level value")
	}
	return nil
}
