// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"encoding/binary"
	"math"
	"strconv"
)

// special number tokens.
const (
	numFinite uint8 = iota
	numNaN
	numInf // sign in number.neg
)

// number is a scanned number literal. When exact, its value is
// mant × 10^exp with mant holding every significant digit (at most 19).
type number struct {
	mant    uint64
	exp     int
	digits  int // significant digits seen (capped at 20)
	neg     bool
	exact   bool
	integer bool // no fraction and no exponent part
	special uint8
}

// maxMantDigits is how many significant digits fit a uint64 without overflow.
const maxMantDigits = 19

// scanNumber validates the number literal at b[i] and decomposes it. It
// accepts JSON numbers and the tokens NaN, Infinity and -Infinity.
func scanNumber(b []byte, i int) (n number, end int, err *SyntaxError) {
	n.exact, n.integer = true, true
	n.neg = b[i] == '-'
	if n.neg { // a conditional move: signs of real data are random
		i++
	}
	if i >= len(b) {
		return n, 0, &SyntaxError{Offset: i, Msg: "unexpected end of JSON input"}
	}
	start, lead := i, 0 // lead: leading zeros, which are not significant
	switch c := b[i]; {
	case c == '0':
		i++
		lead = 1
	case c >= '1' && c <= '9':
		i = n.digitRun(b, i)
	case c == 'I':
		n.special = numInf
		end, err = matchLiteral(b, i, "Infinity")
		return n, end, err
	case c == 'N' && !n.neg:
		n.special = numNaN
		end, err = matchLiteral(b, i, "NaN")
		return n, end, err
	default:
		return n, 0, &SyntaxError{Offset: i, Msg: "invalid character " + quoteChar(c) + " in numeric literal"}
	}
	intLen := i - start
	if i < len(b) && b[i] == '.' {
		if i, err = n.fraction(b, i+1, lead == 1); err != nil {
			return n, 0, err
		}
		lead = 0
	}
	n.digits += i - start - lead
	if n.digits > maxMantDigits {
		n.overflowed(b[start:i], intLen)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		n.integer = false
		if i, err = n.exponent(b, i+1); err != nil {
			return n, 0, err
		}
	}
	return n, i, nil
}

// fraction scans the digits after a decimal point at b[i], accumulating
// them; zeroInt says the integer part was 0, so leading zeros here are not
// significant. It adjusts digits for the point and those zeros.
func (n *number) fraction(b []byte, i int, zeroInt bool) (int, *SyntaxError) {
	n.integer = false
	start := i
	i = n.digitRun(b, i)
	if i == start {
		return 0, digitError(b, i, "after decimal point in numeric literal")
	}
	n.exp = start - i
	n.digits = -1 // the decimal point
	if zeroInt {
		n.digits--
		for j := start; j < i && b[j] == '0'; j++ {
			n.digits--
		}
	}
	return i, nil
}

// digitRun accumulates the decimal digits from b[i] into the mantissa,
// eight at a time while it can, and returns the offset after them. The
// mantissa wraps past 19 digits; scanNumber then recomputes it.
func (n *number) digitRun(b []byte, i int) int {
	for i+8 <= len(b) {
		v, ok := eightDigits(binary.LittleEndian.Uint64(b[i:]))
		if !ok {
			break
		}
		n.mant = n.mant*1e8 + v
		i += 8
	}
	for i < len(b) && b[i]-'0' < 10 {
		n.mant = n.mant*10 + uint64(b[i]-'0')
		i++
	}
	return i
}

// eightDigits converts eight ASCII digits, the first in the low byte of v,
// with three multiplications (SWAR), or reports that they are not all
// digits.
func eightDigits(v uint64) (uint64, bool) {
	const zeros, high = 0x3030303030303030, 0xF0F0F0F0F0F0F0F0
	if v&high != zeros || (v+0x0606060606060606)&high != zeros {
		return 0, false
	}
	v -= zeros
	v = (v*10 + v>>8) & 0x00FF00FF00FF00FF             // 16-bit lanes: pairs of digits
	v = (v * (100<<16 + 1)) >> 16 & 0x0000FFFF0000FFFF // 32-bit lanes: groups of four
	return (v * (10000<<32 + 1)) >> 32, true
}

// overflowed recomputes a mantissa of more than maxMantDigits significant
// digits from its text (integer part of intLen bytes, then perhaps a point
// and a fraction): the first 19 significant digits, the exponent of the last
// of them, and exact cleared if a dropped digit is not zero.
func (n *number) overflowed(text []byte, intLen int) {
	n.mant, n.digits = 0, 0
	place, last := intLen, 0 // place: exponent of the next digit, plus one
	for _, c := range text {
		if c == '.' {
			continue
		}
		place--
		switch {
		case n.mant == 0 && c == '0':
		case n.digits < maxMantDigits:
			n.mant = n.mant*10 + uint64(c-'0')
			n.digits++
			last = place
		default:
			n.digits = maxMantDigits + 1
			if c != '0' {
				n.exact = false
			}
		}
	}
	n.exp = last
}

func (n *number) exponent(b []byte, i int) (int, *SyntaxError) {
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start, e := i, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if e < 1_000_000 {
			e = e*10 + int(b[i]-'0')
		}
	}
	if i == start {
		return 0, digitError(b, i, "in exponent of numeric literal")
	}
	if neg {
		e = -e
	}
	n.exp += e
	return i, nil
}

func digitError(b []byte, i int, where string) *SyntaxError {
	if i >= len(b) {
		return &SyntaxError{Offset: i, Msg: "unexpected end of JSON input"}
	}
	return &SyntaxError{Offset: i, Msg: "invalid character " + quoteChar(b[i]) + " " + where}
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fast64 computes the correctly rounded float64 when the literal is short
// enough for exact arithmetic (Clinger's fast path): both the mantissa
// (≤ 2^53) and the power of ten (≤ 10^22) are exact doubles, so one IEEE
// multiplication or division rounds once.
func (n *number) fast64() (float64, bool) {
	if !n.exact {
		return 0, false
	}
	var f float64
	switch {
	case n.mant == 0:
		f = 0
	case n.mant > 1<<53 || n.exp < -22 || n.exp > 22:
		return 0, false
	case n.exp >= 0:
		f = float64(n.mant) * pow10[n.exp]
	default:
		f = float64(n.mant) / pow10[-n.exp]
	}
	if n.neg {
		f = -f
	}
	return f, true
}

// float64 converts the scanned literal raw.
func (n *number) float64(raw []byte) float64 {
	switch n.special {
	case numNaN:
		return math.NaN()
	case numInf:
		if n.neg {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	if f, ok := n.fast64(); ok {
		return f
	}
	f, _ := strconv.ParseFloat(string(raw), 64) // grammar checked; ErrRange gives ±Inf or 0
	return f
}

// float32 converts the scanned literal raw, rounding once.
func (n *number) float32(raw []byte) float32 {
	if n.special != numFinite {
		return float32(n.float64(raw))
	}
	if f, ok := n.fast64(); ok && float32Safe(f) {
		return float32(f)
	}
	f, _ := strconv.ParseFloat(string(raw), 32)
	return float32(f)
}

// float32Safe reports whether rounding the correctly rounded float64 f to
// float32 gives the correctly rounded float32 of the original decimal. That
// fails only when f sits exactly on a float32 rounding midpoint (the
// decimal may have been just above or below it) or outside float32's normal
// range, where the midpoints differ. One comparison checks the range:
// float64 exponents 897..1150 are float32's normal binades.
func float32Safe(f float64) bool {
	b := math.Float64bits(f)
	const low = 1<<29 - 1 // float64 mantissa bits below float32 precision
	return (b>>52&0x7FF)-897 < 254 && b&low != 1<<28 || f == 0
}

// int64 converts an integer literal, or says why it cannot.
func (n *number) int64() (int64, string) {
	if n.special != numFinite || !n.integer {
		return 0, "is not an integer"
	}
	if n.digits > maxMantDigits {
		return 0, "overflows int64"
	}
	if n.neg {
		if n.mant > 1<<63 {
			return 0, "overflows int64"
		}
		return -int64(n.mant), ""
	}
	if n.mant > math.MaxInt64 {
		return 0, "overflows int64"
	}
	return int64(n.mant), ""
}

// uint64 converts a non-negative integer literal raw, or says why it cannot.
func (n *number) uint64(raw []byte) (uint64, string) {
	if n.special != numFinite || !n.integer {
		return 0, "is not an integer"
	}
	if n.neg && n.mant != 0 {
		return 0, "is negative"
	}
	if n.digits <= maxMantDigits {
		return n.mant, ""
	}
	v, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, "overflows uint64"
	}
	return v, ""
}

// scanWhole scans raw as exactly one number literal.
func scanWhole(raw []byte) (number, error) {
	if len(raw) == 0 {
		return number{}, &SyntaxError{Offset: 0, Msg: "unexpected end of JSON input"}
	}
	n, end, err := scanNumber(raw, 0)
	if err != nil {
		return n, err
	}
	if end != len(raw) {
		return n, &SyntaxError{Offset: end, Msg: "invalid character " + quoteChar(raw[end]) + " after numeric literal"}
	}
	return n, nil
}

// ParseFloat64 parses a JSON number literal (or NaN, Infinity, -Infinity)
// as ReadFloat64 does.
func ParseFloat64(raw []byte) (float64, error) {
	n, err := scanWhole(raw)
	if err != nil {
		return 0, err
	}
	return n.float64(raw), nil
}

// ParseFloat32 parses a JSON number literal as ReadFloat32 does.
func ParseFloat32(raw []byte) (float32, error) {
	n, err := scanWhole(raw)
	if err != nil {
		return 0, err
	}
	return n.float32(raw), nil
}

// ParseInt64 parses a JSON integer literal that fits in an int64.
func ParseInt64(raw []byte) (int64, error) {
	n, err := scanWhole(raw)
	if err != nil {
		return 0, err
	}
	v, msg := n.int64()
	if msg != "" {
		return 0, &ValueError{Kind: Number, Msg: "number " + string(raw) + " " + msg}
	}
	return v, nil
}

// ParseUint64 parses a non-negative JSON integer literal that fits in a
// uint64.
func ParseUint64(raw []byte) (uint64, error) {
	n, err := scanWhole(raw)
	if err != nil {
		return 0, err
	}
	v, msg := n.uint64(raw)
	if msg != "" {
		return 0, &ValueError{Kind: Number, Msg: "number " + string(raw) + " " + msg}
	}
	return v, nil
}

// IsInteger reports whether raw is a JSON integer literal: no fraction, no
// exponent, not NaN or Infinity.
func IsInteger(raw []byte) bool {
	n, err := scanWhole(raw)
	return err == nil && n.integer && n.special == numFinite
}
