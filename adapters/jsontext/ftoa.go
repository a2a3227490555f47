// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// Float formatting as TF Serving's WriteDecimal (util/json_tensor.cc) does
// it: six significant digits (absl::StrCat, C's %g) when they parse back to
// the same value, otherwise max_digits10 digits (%.9g for float, %.17g for
// double); trailing zeros dropped, exponent notation when the decimal
// exponent is below -4 or at least the precision, and ".0" appended when
// the text has neither a point nor an exponent.
//
// appendFloatTF is the reference: strconv's fixed-precision %g, which lays
// numbers out exactly as C's %g does. appendFloat32 is the fast path for
// float32 tensors: it rounds v·10^k to nine and to six digits in float64
// arithmetic, whose error (a few parts in 10^16) cannot change a rounding
// unless the exact value lies within a guard band around a half, and falls
// back to the reference there and outside the range it scales exactly.

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

// guard is the distance from a rounding half within which appendFloat32
// does not trust float64 arithmetic. Its errors are below 1e-6 of a unit
// at the nine-digit scale (v·10^k < 10^9 with at most three roundings of
// relative size 2^-53), so the band is wide enough with a large margin.
const guard = 1e-6

// appendFloat32 appends the finite f as appendFloatTF(dst, f, 32) does.
// Random data makes branches unpredictable, so the sign is written without
// one.
func appendFloat32(dst []byte, f float32) []byte {
	a := float32(math.Abs(float64(f)))
	if a == 0 {
		if math.Signbit(float64(f)) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	t, x, prec, ok := digitsTF32(float64(a), a)
	if !ok {
		return appendFloatTF(dst, float64(f), 32)
	}
	neg := int(math.Float32bits(f) >> 31)
	dst = append(dst, '-')
	return layoutG(dst[:len(dst)-1+neg], t, x, prec)
}

// digitsTF32 returns TF's digits for the positive float32 a (also given as
// float64 v): the integer t, without trailing zeros, with t·10^x the
// decimal, and the %g precision used (6 or 9). ok is false when float64
// arithmetic cannot be trusted.
func digitsTF32(v float64, a float32) (t uint64, x int, prec int, ok bool) {
	be := int(math.Float32bits(a) >> 23 & 0xFF)
	if be == 0 {
		return 0, 0, 0, false // subnormal
	}
	k := 8 - ((be-127)*78913)>>18 // floor(log10(2^⌊log2 a⌋)) is 8-k
	p, ok := mulPow10(v, k)       // about 10^8 ≤ p < 2·10^9
	if !ok {
		return 0, 0, 0, false
	}
	if p >= 1e9 {
		k--
		p *= 0.1 // one more rounding, well within the guard
	}
	t9, ok := roundGuarded(p)
	if !ok {
		return 0, 0, 0, false
	}
	t6, ok := roundGuarded(p * 1e-3) // a multiplication is faster; its error is within the guard
	if !ok {
		return 0, 0, 0, false
	}
	if parse32(t6, 3-k) == a {
		t, x = trimZeros(t6, 3-k)
		return t, x, 6, true
	}
	t, x = trimZeros(t9, -k)
	return t, x, 9, true
}

// mulPow10 returns v·10^k in float64, for |k| up to 44, failing if the
// power is out of that range.
func mulPow10(v float64, k int) (float64, bool) {
	switch {
	case k >= 0 && k <= 22:
		return v * pow10[k], true
	case k > 22 && k <= 44:
		return v * pow10[22] * pow10[k-22], true
	case k < 0 && k >= -22:
		return v / pow10[-k], true
	case k < -22 && k >= -44:
		return v / pow10[22] / pow10[-k-22], true
	}
	return 0, false
}

// roundGuarded rounds the positive p (below 2^52) to the nearest integer,
// failing near a half. p+0.5 is exact there, so no branch depends on which
// way the rounding goes.
func roundGuarded(p float64) (uint64, bool) {
	t := int64(p + 0.5)
	if d := p - float64(t); d < guard-0.5 || d > 0.5-guard {
		return 0, false
	}
	return uint64(t), true
}

// parse32 converts t·10^x to float32 as ParseFloat32 would.
func parse32(t uint64, x int) float32 {
	n := number{mant: t, exp: x, exact: true}
	if f, ok := n.fast64(); ok && float32Safe(f) {
		return float32(f)
	}
	buf := strconv.AppendUint(make([]byte, 0, 32), t, 10)
	buf = append(buf, 'e')
	buf = strconv.AppendInt(buf, int64(x), 10)
	f, _ := strconv.ParseFloat(string(buf), 32)
	return float32(f)
}

// trimZeros removes trailing decimal zeros from t·10^x.
func trimZeros(t uint64, x int) (uint64, int) {
	for t != 0 && t%10 == 0 {
		t /= 10
		x++
	}
	return t, x
}

// layoutG appends t·10^x (t without trailing zeros, at most 20 digits) as
// C's %.{prec}g does, plus ".0" for integers. It writes in place after one
// capacity check.
func layoutG(dst []byte, t uint64, x, prec int) []byte {
	nd := numDigits(t)
	exp := nd - 1 + x // decimal exponent of the first digit
	n := len(dst)
	dst = slices.Grow(dst, nd+max(exp, -exp)+8)
	out := dst[n : n+nd+max(exp, -exp)+8]
	var w int
	switch {
	case exp < -4 || exp >= prec:
		w = layoutExp(out, t, nd, exp)
	case exp >= nd-1: // an integer: digits, zeros, ".0"
		putDigits(out[:nd], t)
		w = nd
		for range exp - nd + 1 {
			out[w] = '0'
			w++
		}
		out[w], out[w+1] = '.', '0'
		w += 2
	case exp >= 0: // digits with the point inside
		putDigits(out[exp+2:nd+1], t%pow10u64[nd-exp-1])
		putDigits(out[:exp+1], t/pow10u64[nd-exp-1])
		out[exp+1] = '.'
		w = nd + 1
	default: // 0.000ddd
		out[0], out[1] = '0', '.'
		w = 2
		for range -exp - 1 {
			out[w] = '0'
			w++
		}
		putDigits(out[w:w+nd], t)
		w += nd
	}
	return dst[:n+w]
}

// layoutExp writes d.ddde±XX into out and returns its length.
func layoutExp(out []byte, t uint64, nd, exp int) int {
	w := 1
	if nd > 1 {
		putDigits(out[2:nd+1], t%pow10u64[nd-1])
		out[1] = '.'
		w = nd + 1
	}
	out[0] = byte('0' + t/pow10u64[nd-1])
	out[w] = 'e'
	out[w+1] = '+'
	if exp < 0 {
		out[w+1] = '-'
		exp = -exp
	}
	w += 2
	switch {
	case exp >= 100:
		putDigits(out[w:w+3], uint64(exp))
		return w + 3
	default:
		putDigits(out[w:w+2], uint64(exp))
		return w + 2
	}
}

// pow10u64 holds the powers of ten that fit a uint64.
var pow10u64 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// numDigits returns the number of decimal digits of t (1 for 0), without
// a data-dependent branch: ⌊len(t)·log10 2⌋ digits, or one more.
func numDigits(t uint64) int {
	t |= 1 // same digit count, and 0 counts as one digit
	n := bits.Len64(t) * 1233 >> 12
	return n + int((pow10u64[n]-1-t)>>63)
}

// putDigits writes v's last len(out) decimal digits into out, zero-padded,
// two at a time.
func putDigits(out []byte, v uint64) {
	const pairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
		"8081828384858687888990919293949596979899"
	i := len(out)
	for i >= 2 {
		q := v / 100
		r := (v - q*100) * 2
		out[i-2], out[i-1] = pairs[r], pairs[r+1]
		v = q
		i -= 2
	}
	if i == 1 {
		out[0] = byte('0' + v%10)
	}
}
