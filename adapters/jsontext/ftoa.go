// SPDX-License-Identifier: Apache-2.0

package jsontext

import "strconv"

// Float formatting as TF Serving's WriteDecimal (util/json_tensor.cc) does
// it: six significant digits (absl::StrCat, C's %g) when they parse back to
// the same value, otherwise max_digits10 digits (%.9g for float, %.17g for
// double); trailing zeros dropped, exponent notation when the decimal
// exponent is below -4 or at least the precision, and ".0" appended when
// the text has neither a point nor an exponent.
//
// appendFloatTF is the reference: strconv's fixed-precision %g, which lays
// numbers out exactly as C's %g does. appendFloat32 (ftoa32.go) is the fast
// path for float32 tensors and falls back to the reference where it cannot
// decide with certainty.

// appendFloatTF appends the finite f as TF Serving writes it, at the given
// bit size (32 or 64).
func appendFloatTF(dst []byte, f float64, bits int) []byte {
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', 6, bits)
	if !roundTrips(dst[n:], f, bits) {
		prec := 17
		if bits == 32 {
			prec = 9
		}
		dst = strconv.AppendFloat(dst[:n], f, 'g', prec, bits)
	}
	return pointZero(dst, n)
}

// roundTrips reports whether text parses back to f at the bit size.
func roundTrips(text []byte, f float64, bits int) bool {
	if bits == 32 {
		g, err := ParseFloat32(text)
		return err == nil && float64(g) == f
	}
	g, err := ParseFloat64(text)
	return err == nil && g == f
}

// pointZero appends ".0" unless dst[n:] has a point or an exponent.
func pointZero(dst []byte, n int) []byte {
	for _, c := range dst[n:] {
		if c == '.' || c == 'e' {
			return dst
		}
	}
	return append(dst, '.', '0')
}
