// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"math"
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string literal. It escapes '"', '\\',
// control characters, U+2028 and U+2029, and replaces invalid UTF-8 with
// U+FFFD, so the output is always valid JSON.
func AppendString(dst []byte, s string) []byte {
	return appendString(dst, s)
}

// AppendStringBytes is AppendString for a byte slice.
func AppendStringBytes(dst, s []byte) []byte {
	return appendString(dst, s)
}

func appendString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := decodeRune(s, i)
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			switch r {
			case utf8.RuneError:
				dst = append(dst, `\ufffd`...)
			case '\u2028':
				dst = append(dst, `\u2028`...)
			default:
				dst = append(dst, `\u2029`...)
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// AppendFloat64 appends f as TF Serving writes floats (its WriteDecimal in
// util/json_tensor.cc): six significant digits when they parse back to the
// same value at the given bit size (32 or 64; anything else means 64; at
// 32, f is first rounded to float32), else max_digits10 digits (9 or 17), in
// C's %g layout (trailing zeros dropped; exponent notation when the decimal
// exponent is below -4 or at least the precision), plus ".0" on numbers with
// neither a point nor an exponent (3 → "3.0"), so that consumers can tell
// floats from integers. The text always parses back to f. NaN, +Inf and -Inf
// become the bare tokens NaN, Infinity and -Infinity when tokens is true,
// and null otherwise (strict JSON cannot write them).
func AppendFloat64(dst []byte, f float64, bits int, tokens bool) []byte {
	if bits == 32 {
		f = float64(float32(f))
	} else {
		bits = 64
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendNonFinite(dst, f, tokens)
	}
	if bits == 32 {
		return appendFloat32(dst, float32(f))
	}
	return appendFloatTF(dst, f, 64)
}

// AppendFloat32 is AppendFloat64(dst, float64(f), 32, tokens).
func AppendFloat32(dst []byte, f float32, tokens bool) []byte {
	return AppendFloat64(dst, float64(f), 32, tokens)
}

func appendNonFinite(dst []byte, f float64, tokens bool) []byte {
	switch {
	case !tokens:
		return append(dst, "null"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case f > 0:
		return append(dst, "Infinity"...)
	}
	return append(dst, "-Infinity"...)
}

// AppendInt appends v in decimal.
func AppendInt(dst []byte, v int64) []byte {
	return strconv.AppendInt(dst, v, 10)
}

// AppendUint appends v in decimal.
func AppendUint(dst []byte, v uint64) []byte {
	return strconv.AppendUint(dst, v, 10)
}

// AppendBool appends true or false.
func AppendBool(dst []byte, v bool) []byte {
	return strconv.AppendBool(dst, v)
}
