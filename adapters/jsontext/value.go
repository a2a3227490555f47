// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"errors"
	"strconv"
)

// Value is a parsed JSON value: a small tree for irregular documents.
// Numbers keep their literal text, so no precision is lost. All methods are
// safe on a nil *Value, which behaves as an absent value (Kind Invalid).
type Value struct {
	kind    Kind
	text    string // String: the decoded string; Number: the literal
	boolean bool
	elems   []Value
	members []Member
}

// Member is one name/value pair of an object, in document order.
type Member struct {
	Name  string
	Value Value
}

// Parse parses the single JSON document in data (standard JSON plus NaN,
// Infinity, -Infinity). It rejects bytes after the value, nesting deeper
// than MaxDepth and objects with duplicate keys.
func Parse(data []byte) (*Value, error) {
	d := NewDecoder(data)
	v, err := parseValue(d)
	if err != nil {
		return nil, err
	}
	if err := d.Finish(); err != nil {
		return nil, err
	}
	return &v, nil
}

// ParseValue reads the next value from d into a tree, for a document that is
// regular in parts (decode those with d) and irregular elsewhere.
func ParseValue(d *Decoder) (*Value, error) {
	v, err := parseValue(d)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func parseValue(d *Decoder) (Value, error) {
	switch d.PeekKind() {
	case Null:
		return Value{kind: Null}, d.ReadNull()
	case Bool:
		b, err := d.ReadBool()
		return Value{kind: Bool, boolean: b}, err
	case Number:
		raw, err := d.ReadNumber()
		return Value{kind: Number, text: string(raw)}, err
	case String:
		s, err := d.ReadString()
		return Value{kind: String, text: s}, err
	case Array:
		return parseArray(d)
	case Object:
		return parseObject(d)
	}
	if err := d.beginValue(); err != nil {
		return Value{}, err
	}
	return Value{}, d.wrongKind("value")
}

func parseArray(d *Decoder) (Value, error) {
	v := Value{kind: Array}
	if err := d.ReadArrayStart(); err != nil {
		return v, err
	}
	for d.More() {
		e, err := parseValue(d)
		if err != nil {
			return v, err
		}
		v.elems = append(v.elems, e)
	}
	return v, d.ReadArrayEnd()
}

func parseObject(d *Decoder) (Value, error) {
	v := Value{kind: Object}
	if err := d.ReadObjectStart(); err != nil {
		return v, err
	}
	var seen map[string]struct{}
	for d.More() {
		off := d.pos
		name, err := d.ReadObjectKey()
		if err != nil {
			return v, err
		}
		if v.has(name, &seen) {
			return v, d.fail(&SyntaxError{Offset: off, Msg: "duplicate object key " + strconv.Quote(name)})
		}
		e, err := parseValue(d)
		if err != nil {
			return v, err
		}
		v.members = append(v.members, Member{Name: name, Value: e})
	}
	return v, d.ReadObjectEnd()
}

// has reports whether the object already has a member name, switching to a
// map once it is large.
func (v *Value) has(name string, seen *map[string]struct{}) bool {
	const linear = 16
	if len(v.members) < linear {
		for i := range v.members {
			if v.members[i].Name == name {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 2*linear)
		for i := range v.members {
			(*seen)[v.members[i].Name] = struct{}{}
		}
	}
	if _, ok := (*seen)[name]; ok {
		return true
	}
	(*seen)[name] = struct{}{}
	return false
}

// Kind returns v's kind, or Invalid for a nil v.
func (v *Value) Kind() Kind {
	if v == nil {
		return Invalid
	}
	return v.kind
}

// Text returns a string's content, a number's literal, "true"/"false" or
// "null"; "" for arrays, objects and nil.
func (v *Value) Text() string {
	switch v.Kind() {
	case String, Number:
		return v.text
	case Bool:
		return strconv.FormatBool(v.boolean)
	case Null:
		return "null"
	}
	return ""
}

// Bool reports whether v is the literal true.
func (v *Value) Bool() bool {
	return v.Kind() == Bool && v.boolean
}

var errNotNumber = errors.New("not a number")

// Float64 converts a number to float64 (see ReadFloat64).
func (v *Value) Float64() (float64, error) {
	if v.Kind() != Number {
		return 0, errNotNumber
	}
	return ParseFloat64([]byte(v.text))
}

// Int64 converts an integer literal to int64 (see ReadInt64).
func (v *Value) Int64() (int64, error) {
	if v.Kind() != Number {
		return 0, errNotNumber
	}
	return ParseInt64([]byte(v.text))
}

// Uint64 converts a non-negative integer literal to uint64.
func (v *Value) Uint64() (uint64, error) {
	if v.Kind() != Number {
		return 0, errNotNumber
	}
	return ParseUint64([]byte(v.text))
}

// Len returns the number of elements of an array or members of an object,
// and 0 otherwise.
func (v *Value) Len() int {
	switch v.Kind() {
	case Array:
		return len(v.elems)
	case Object:
		return len(v.members)
	}
	return 0
}

// Index returns element i of an array, or nil.
func (v *Value) Index(i int) *Value {
	if v.Kind() != Array || i < 0 || i >= len(v.elems) {
		return nil
	}
	return &v.elems[i]
}

// Elems returns an array's elements (nil otherwise). The slice is shared.
func (v *Value) Elems() []Value {
	if v.Kind() != Array {
		return nil
	}
	return v.elems
}

// Members returns an object's members in document order (nil otherwise).
// The slice is shared.
func (v *Value) Members() []Member {
	if v.Kind() != Object {
		return nil
	}
	return v.members
}

// Get returns the member of an object named name, or nil.
func (v *Value) Get(name string) *Value {
	if v.Kind() != Object {
		return nil
	}
	for i := range v.members {
		if v.members[i].Name == name {
			return &v.members[i].Value
		}
	}
	return nil
}

// AppendJSON appends v as compact JSON (number literals verbatim, so NaN
// stays a bare token). A nil or Invalid v appends null.
func (v *Value) AppendJSON(dst []byte) []byte {
	switch v.Kind() {
	case Bool, Number:
		return append(dst, v.Text()...)
	case String:
		return AppendString(dst, v.text)
	case Array:
		dst = append(dst, '[')
		for i := range v.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = v.elems[i].AppendJSON(dst)
		}
		return append(dst, ']')
	case Object:
		dst = append(dst, '{')
		for i := range v.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, v.members[i].Name)
			dst = append(dst, ':')
			dst = v.members[i].Value.AppendJSON(dst)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}
