// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// The float32 fast path of TF Serving's float format (see ftoa.go), for
// tensors of millions of elements: nine digits from one float64
// multiplication, the six-digit round trip decided without parsing, and the
// text written eight digits at a time into room reserved beforehand, in a
// loop without calls whose few data-dependent branches go the same way for
// most values.
// Whatever it cannot decide with certainty (subnormals, non-finite values,
// products too close to a rounding boundary) goes to appendFloatTF, the
// strconv reference, one element at a time.

// maxTF32 is the room formatRun needs for one element: a comma and at most
// 15 bytes of text ("-1.23456789e-38"), the rest scratch for whole-word
// stores.
const maxTF32 = 32

// maxTF32Element bounds the text of one float32 element and its comma,
// NaN and Infinity included.
const maxTF32Element = 16

// AppendFloat32s appends vs as the elements of a JSON array, separated by
// commas and without brackets, each as AppendFloat32(dst, v, tokens)
// writes it. It grows dst only when the text does not fit, and then once,
// by an upper bound for the remaining elements: callers that presize dst
// from an estimate pay no copy when the estimate holds.
func AppendFloat32s(dst []byte, vs []float32, tokens bool) []byte {
	comma := false
	for len(vs) > 0 {
		n := len(dst)
		if cap(dst)-n < maxTF32 {
			// Too little room for formatRun's whole-word stores: format one
			// element aside and append its text.
			var tmp [maxTF32]byte
			text := tmp[:0]
			if w, c := formatRun(tmp[:], vs[:1], comma); c == 1 {
				text = tmp[:w]
			} else {
				text = appendSlow32(text, vs[0], comma, tokens)
			}
			if len(text) > cap(dst)-n {
				dst = slices.Grow(dst, len(vs)*maxTF32Element+maxTF32)
			}
			dst, vs, comma = append(dst, text...), vs[1:], true
			continue
		}
		w, c := formatRun(dst[n:cap(dst)], vs, comma)
		dst, vs, comma = dst[:n+w], vs[c:], comma || c > 0
		if len(vs) > 0 && cap(dst)-len(dst) >= maxTF32 {
			// formatRun stopped at an element it cannot format; there is
			// room for its text.
			dst, vs, comma = appendSlow32(dst, vs[0], comma, tokens), vs[1:], true
		}
	}
	return dst
}

// appendSlow32 appends v the reference way, after a comma if asked.
func appendSlow32(dst []byte, v float32, comma, tokens bool) []byte {
	if comma {
		dst = append(dst, ',')
	}
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendNonFinite(dst, f, tokens)
	}
	return appendFloatTF(dst, f, 32)
}

// appendFloat32 appends the finite f as appendFloatTF(dst, float64(f), 32)
// does.
func appendFloat32(dst []byte, f float32) []byte {
	dst = slices.Grow(dst, maxTF32)
	n := len(dst)
	if w, c := formatRun(dst[n:n+maxTF32], []float32{f}, false); c == 1 {
		return dst[:n+w]
	}
	return appendFloatTF(dst, float64(f), 32)
}

// pow10k holds 10^k for k in [minPow10k, 46], each correctly rounded, as
// the exact constants are converted once; its length is a power of two so
// that a masked index needs no bounds check.
var pow10k = [128]float64{1e-31, 1e-30, 1e-29, 1e-28, 1e-27, 1e-26, 1e-25, 1e-24, 1e-23, 1e-22,
	1e-21, 1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9,
	1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
	1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24,
	1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39,
	1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46}

const minPow10k = -31

// guard is the distance from a rounding half within which formatRun does
// not trust float64 arithmetic. p = a·10^k carries two roundings of
// relative size 2^-53 (the power of ten, the product): under 5e-7 at
// p < 2·10^9.
const guard = 1e-6

// tieBand is the relative band around a half-ulp distance within which
// formatRun leaves the six-digit round trip to the reference: the computed
// distance below is off by at most 4m·|p-P| < 8e-9·P.
const tieBand = 1e-7

// zeros8 is eight ASCII zeros as a little-endian word.
const zeros8 = 0x3030303030303030

// formatRun writes the elements of vs to out as appendFloatTF does, each
// after a comma except the very first (comma false, i == 0), and returns
// the bytes written and the elements consumed. It stops when out has less
// than maxTF32 bytes left or at an element it cannot format: a subnormal,
// Inf, NaN, or one whose digits float64 arithmetic cannot decide.
//
// For a positive normal a, the nine digits are the integer t9 nearest
// p = a·10^k, where floor(log10(2^(be-127))) is 8-k so that 10^8 ≤ a·10^k <
// 2·10^9, with one step down when p ≥ 10^9. The six digits t6·10^(3-k)
// parse back to a when they are closer to it than half an ulp, a·10^k/2m
// scaled by 10^k, where m is the 24-bit significand: when |t6·1000 - p|·2m
// < p. (t6 itself needs no guard: near a half, |t6·1000 - p| is near 500,
// and neither neighbour can parse back.) The text is then t, nine digits
// with the decimal exponent e of the first, laid out as C's %.{prec}g
// does, trailing zeros dropped, plus ".0" when no point or exponent
// remains: the digits are written as words, and rewritten shifted where a
// point goes between them.
func formatRun(out []byte, vs []float32, comma bool) (w, i int) {
	sep := 0
	if comma {
		sep = 1
	}
	for i = range vs {
		if w+maxTF32 > len(out) {
			return w, i
		}
		o := (*[maxTF32]byte)(out[w : w+maxTF32])
		b := math.Float32bits(vs[i])
		o[0] = ','
		o[sep] = '-' // kept when negative
		s := sep + int(b>>31)
		sep = 1
		abs := b &^ (1 << 31)
		if abs == 0 {
			binary.LittleEndian.PutUint32(o[s:], '0'|'.'<<8|'0'<<16)
			w += s + 3
			continue
		}
		be := int(abs >> 23)
		if uint(be-1) >= 254 {
			return w, i // subnormal, Inf, NaN
		}
		a := float64(math.Float32frombits(abs))
		k := 8 - ((be-127)*78913)>>18
		p := a * pow10k[(k-minPow10k)&127]
		if p >= 1e9 {
			k--
			p = a * pow10k[(k-minPow10k)&127]
		}
		t9 := int64(p + 0.5) // p+0.5 is exact here
		t6 := int64(p*1e-3 + 0.5)
		if math.Abs(p-float64(t9)) > 0.5-guard {
			return w, i
		}
		m := int64(abs&(1<<23-1) | 1<<23)
		diff := float64(t6*1000) - p
		dist := math.Abs(diff) * float64(2*m)
		if m == 1<<23 && diff < 0 && be > 1 {
			dist *= 2 // below a power of two the gap down is half as wide
		}
		t, prec := uint64(t9), 9
		if dist <= p*(1+tieBand) {
			if dist >= p*(1-tieBand) {
				return w, i // a tie or near one: the parse rounds to even
			}
			t, prec = uint64(t6)*1000, 6
		}
		e := 8 - k
		if t == 1e9 {
			t, e = 1e8, e+1 // rounded up to the next power of ten
		}
		d0 := t / 1e8
		digits := eightDigitsASCII(t - d0*1e8)
		nd := 1 + significant(digits) // the first digit is not zero
		lead := byte('0' + d0)
		switch {
		case e < -4 || e >= prec: // d.ddde±XX
			o[s] = lead
			o[s+1] = '.'
			binary.LittleEndian.PutUint64(o[s+2:], digits)
			n := s + nd + 1
			if nd == 1 {
				n = s + 1 // no point
			}
			sign, ae := uint32('+'), e
			if e < 0 {
				sign, ae = '-', -e
			}
			// |e| ≤ 38 for normal float32s: two exponent digits, as C has.
			binary.LittleEndian.PutUint32(o[n&15:], 'e'|sign<<8|uint32('0'+ae/10)<<16|uint32('0'+ae%10)<<24)
			w += n + 4
		case e >= 0: // ddd.ddd or ddd.0: the digits, then again from the point on
			o[s] = lead
			binary.LittleEndian.PutUint64(o[s+1:], digits)
			// Past the eight digits come zeros, so that 123456789 gets
			// ".0". The shifts by up to 64 bits are split in two, which
			// compile to plain shift instructions.
			sh := uint(4*e) & 63
			binary.LittleEndian.PutUint64(o[(s+e+2)&15:], digits>>sh>>sh|zeros8<<(32-sh)<<(32-sh))
			o[(s+e+1)&15] = '.'
			w += s + max(nd, e+2) + 1
		default: // 0.000ddd: up to three zeros after the point
			z := (-e - 1) & 3
			binary.LittleEndian.PutUint64(o[s:], zeros8&^0xFF00|'.'<<8)
			o[s+2+z] = lead
			binary.LittleEndian.PutUint64(o[s+3+z:], digits)
			w += s + 2 + z + nd
		}
	}
	return w, len(vs)
}

// eightDigitsASCII returns the eight decimal digits of v < 10^8, zero
// padded, as ASCII in a little-endian word (the first digit in the low
// byte). It splits v into halves, quarters and digits with multiplications
// by reciprocals, all lanes at once.
func eightDigitsASCII(v uint64) uint64 {
	hi := v / 1e4
	w := hi | (v-hi*1e4)<<32 // two lanes of four digits
	q := (w * 10486 >> 20) & 0x0000007F0000007F
	w = q | (w-q*100)<<16 // four lanes of two digits
	q = (w * 103 >> 10) & 0x000F000F000F000F
	return q | (w-q*10)<<8 | zeros8 // eight lanes of one digit
}

// significant is how many of the eight ASCII digits in w remain without
// the trailing zeros: those in the high bytes. A byte's high bit is set
// here when its digit is not zero.
func significant(w uint64) int {
	return 8 - bits.LeadingZeros64((w-zeros8+0x7F7F7F7F7F7F7F7F)&0x8080808080808080)>>3
}
