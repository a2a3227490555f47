// SPDX-License-Identifier: Apache-2.0

package jsontext

// Kind is the kind of the next JSON value, as PeekKind reports it, or of a
// Value.
type Kind uint8

// The kinds. Invalid is the zero value; End means the current array or object
// (or, at the top level, the document) has no more values.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
	End
)

var kindNames = [...]string{
	Invalid: "invalid",
	Null:    "null",
	Bool:    "bool",
	Number:  "number",
	String:  "string",
	Array:   "array",
	Object:  "object",
	End:     "end",
}

// String returns the kind's lower-case name ("number", "string", …).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// kindOf classifies the first byte of a value.
func kindOf(c byte) Kind {
	switch c {
	case 'n':
		return Null
	case 't', 'f':
		return Bool
	case '"':
		return String
	case '[':
		return Array
	case '{':
		return Object
	case '-', 'N', 'I', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return Number
	}
	return Invalid
}
