// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// lookupError carries an error from a SignatureFunc, returned unwrapped.
type lookupError struct{ err error }

func (e *lookupError) Error() string { return e.err.Error() }
func (e *lookupError) Unwrap() error { return e.err }

// invalid wraps a decoding error in adapters.ErrInvalidInput, except errors
// of the caller's SignatureFunc, which keep their own kind.
func invalid(err error) error {
	var le *lookupError
	if errors.As(err, &le) {
		return le.err
	}
	return fmt.Errorf("%w: %w", adapters.ErrInvalidInput, err)
}

// parseError phrases a malformed body as TF Serving does
// ("JSON Parse error: <reason> at offset: N").
func parseError(err error) error {
	var se *jsontext.SyntaxError
	if errors.As(err, &se) {
		return tfErrorf("JSON Parse error: %s at offset: %d", se.Msg, se.Offset)
	}
	return err
}

// tfTypeName is TF's DataTypeString for a datatype.
func tfTypeName(dt adapters.DType) string {
	switch dt {
	case adapters.Bool:
		return "bool"
	case adapters.Uint8:
		return "uint8"
	case adapters.Uint16:
		return "uint16"
	case adapters.Uint32:
		return "uint32"
	case adapters.Uint64:
		return "uint64"
	case adapters.Int8:
		return "int8"
	case adapters.Int16:
		return "int16"
	case adapters.Int32:
		return "int32"
	case adapters.Int64:
		return "int64"
	case adapters.FP16:
		return "half"
	case adapters.FP32:
		return "float"
	case adapters.FP64:
		return "double"
	case adapters.Bytes:
		return "string"
	case adapters.BF16:
		return "bfloat16"
	case adapters.Invalid:
	}
	return "invalid"
}

// jsonTypeName is TF's JsonTypeString for a raw JSON value.
func jsonTypeName(raw []byte) string {
	if len(raw) == 0 {
		return "Null"
	}
	switch raw[0] {
	case 'n':
		return "Null"
	case 'f':
		return "False"
	case 't':
		return "True"
	case '{':
		return "Object"
	case '[':
		return "Array"
	case '"':
		return "String"
	}
	return "Number"
}

// maxDebugBytes bounds quoted JSON in messages, as TF's
// kMaxJsonDebugStringBytes does.
const maxDebugBytes = 256

// debugJSON renders a raw JSON value for an error message: whitespace
// outside strings removed, cut after maxDebugBytes at a UTF-8 boundary.
func debugJSON(raw []byte) string {
	out := make([]byte, 0, min(len(raw), maxDebugBytes+4))
	inString, escaped := false, false
	for _, c := range raw {
		if len(out) >= maxDebugBytes && c&0xC0 != 0x80 {
			return string(out) + "…"
		}
		switch {
		case inString:
			inString = escaped || c != '"'
			escaped = !escaped && c == '\\'
		case c == '"':
			inString = true
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// typeError is TF's TypeError: the value does not fit the datatype.
func typeError(raw []byte, dt adapters.DType) error {
	return tfErrorf("JSON Value: %s Type: %s is not of expected type: %s", debugJSON(raw), jsonTypeName(raw), tfTypeName(dt))
}

// formatError is TF's FormatError about a whole document or value.
func formatError(raw []byte, msg string) error {
	return tfErrorf("JSON Value: %s %s", debugJSON(raw), msg)
}

// tfError is one of TF Serving's own messages, kept verbatim: capitalized
// and punctuated as TF writes them, so that clients see what TF would say.
type tfError struct{ err error }

func (e *tfError) Error() string { return e.err.Error() }
func (e *tfError) Unwrap() error { return e.err }

// tfErrorf formats a TF Serving message (fmt.Errorf rules, %w included).
func tfErrorf(format string, args ...any) error {
	return &tfError{err: fmt.Errorf(format, args...)}
}
