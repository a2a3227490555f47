// SPDX-License-Identifier: Apache-2.0

package jsontext

import "strconv"

// SyntaxError reports malformed JSON. It is sticky: once a Decoder returns
// one, every later read returns it too.
type SyntaxError struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Msg describes the problem, in encoding/json's words where it has them.
	Msg string
}

// Error renders e as "JSON syntax error at offset N: msg".
func (e *SyntaxError) Error() string {
	return "JSON syntax error at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// ValueError reports that the next value is well formed but cannot be read
// the way it was asked for: a string where a number was wanted, a fraction
// read as an integer, an integer out of range. The Decoder does not advance
// past the value, so the caller may read it another way.
type ValueError struct {
	// Offset is the byte offset of the value.
	Offset int
	// Kind is the value's kind.
	Kind Kind
	// Msg says what was found and wanted ("found string, want number",
	// "number 1.5 is not an integer").
	Msg string
}

// Error renders e as "offset N: msg".
func (e *ValueError) Error() string {
	return "offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// quoteChar renders a byte for an error message as encoding/json does.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	if c >= 0x80 {
		s = strconv.Quote(string([]byte{c}))
	}
	return "'" + s[1:len(s)-1] + "'"
}
