// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// ReadFloat32s reads consecutive number elements of the current array,
// appending them to dst, and stops before the closing bracket, before an
// element that is not a number (an array, a string, …), or once it has
// appended limit elements. The decoder is then positioned as More and the
// read methods expect, so the caller can continue element by element. It
// is the fast path for tensor data; the values are those ReadFloat32 gives.
func (d *Decoder) ReadFloat32s(dst []float32, limit int) ([]float32, error) {
	for limit > 0 {
		start, ok := d.nextNumber()
		if !ok {
			break
		}
		before := len(dst)
		var end int
		if dst, end = float32Run(d.data, start, dst, limit); len(dst) == before {
			// The first number needs the general path: a special token, many
			// digits, an exponent beyond exact arithmetic, a syntax error.
			n, e, err := scanNumber(d.data, start)
			if err != nil {
				return dst, d.fail(err)
			}
			dst, end = append(dst, n.float32(d.data[start:e])), e
		}
		limit -= len(dst) - before
		d.pos, d.state = end, stAfterValue
	}
	return dst, d.err
}

// ReadFloat64s is ReadFloat32s for float64 elements.
func (d *Decoder) ReadFloat64s(dst []float64, limit int) ([]float64, error) {
	for limit > 0 {
		start, ok := d.nextNumber()
		if !ok {
			break
		}
		before := len(dst)
		var end int
		if dst, end = float64Run(d.data, start, dst, limit); len(dst) == before {
			n, e, err := scanNumber(d.data, start)
			if err != nil {
				return dst, d.fail(err)
			}
			dst, end = append(dst, n.float64(d.data[start:e])), e
		}
		limit -= len(dst) - before
		d.pos, d.state = end, stAfterValue
	}
	return dst, d.err
}

// SkipNumbers is ReadFloat64s without the values: it checks and passes
// over up to limit consecutive number elements of the current array, and
// returns how many. It accepts exactly the literals ReadFloat32s and
// ReadFloat64s accept (any JSON number, NaN, Infinity, -Infinity: range is
// not checked, as those give ±Inf), fails with the same errors at the same
// offsets, and stops where they stop. Where float data is only checked, not
// kept, nothing needs converting.
func (d *Decoder) SkipNumbers(limit int) (int, error) {
	count := 0
	for limit > 0 {
		start, ok := d.nextNumber()
		if !ok {
			break
		}
		n, end := numberRun(d.data, start, limit)
		if n == 0 {
			// The general path: a special token, or a syntax error.
			_, e, err := scanNumber(d.data, start)
			if err != nil {
				return count, d.fail(err)
			}
			n, end = 1, e
		}
		count, limit = count+n, limit-n
		d.pos, d.state = end, stAfterValue
	}
	return count, d.err
}

// numberRun passes over the array elements from b[i] on, "n,n,…", as long
// as each is a plain JSON number, at most limit of them. It returns how many
// and the offset just after the last; it stops before the separator after
// it when that is not a comma followed by another such number, and leaves
// anything else (NaN, Infinity, malformed numbers) to the general path, as
// float32Run does.
func numberRun(b []byte, i, limit int) (count, end int) {
	end = i
	for count < limit && i+1 < len(b) {
		// Signs of real data are random, so no branch: plus one for '-'.
		j := i + int((uint64(b[i]^'-')-1)>>63)
		switch c := b[j]; {
		case c == '0':
			j++
		case c-'1' < 9:
			j = digitsEnd(b, j+1)
		default:
			return count, end
		}
		if j < len(b) && b[j] == '.' {
			k := digitsEnd(b, j+1)
			if k == j+1 {
				return count, end
			}
			j = k
		}
		if j < len(b) && b[j]|0x20 == 'e' {
			j++
			if j < len(b) && (b[j] == '+' || b[j] == '-') {
				j++
			}
			k := digitsEnd(b, j)
			if k == j {
				return count, end
			}
			j = k
		}
		count, end = count+1, j
		if j >= len(b) || b[j] != ',' {
			return count, end
		}
		i = j + 1
		for i < len(b) && b[i] == ' ' {
			i++
		}
	}
	return count, end
}

// digitsEnd returns the offset of the first byte at or after b[i] that is
// not an ASCII digit, eight bytes at a time (see leadingDigits).
func digitsEnd(b []byte, i int) int {
	const zeros, high = 0x3030303030303030, 0xF0F0F0F0F0F0F0F0
	for i+8 <= len(b) {
		v := binary.LittleEndian.Uint64(b[i:])
		bad := (v&high ^ zeros) | ((v+0x0606060606060606)&high ^ zeros)
		if bad != 0 {
			return i + bits.TrailingZeros64(bad)>>3
		}
		i += 8
	}
	for i < len(b) && b[i]-'0' < 10 {
		i++
	}
	return i
}

// nextNumber advances to the next array element, as More does, and reports
// its offset if it starts a number. It does not move past anything else.
func (d *Decoder) nextNumber() (int, bool) {
	if d.err != nil || d.depth == 0 || d.inObject() {
		return 0, false
	}
	if d.state != stNeedValue && !d.More() {
		return 0, false
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		d.eof()
		return 0, false
	}
	c := d.data[d.pos]
	return d.pos, c == '-' || c-'0' < 10 || c == 'N' || c == 'I'
}

// float32Run converts the array elements from b[i] on, "n,n,…", as long as
// each is a short plain number, appending at most limit values to dst. It
// returns dst and the offset just after the last number it converted; it
// stops before the separator after it when that is not a comma followed by
// another such number, and leaves every unusual case to the caller's
// general path, so that errors and their offsets stay the scanner's.
//
// The loop is written for tensors of millions of elements: it reads each
// number from a window of the input whose bounds are checked once, eight
// digits at a time, and makes no call, so that its state stays in
// registers. A short number has an integer part of at most seven digits,
// at most fifteen digits in all, and an exponent part of at most two
// digits; its value is then mant·10^exp with mant < 2^53 and, when
// |exp| ≤ 22, one IEEE operation converts it exactly.
func float32Run(b []byte, i int, dst []float32, limit int) ([]float32, int) {
	// Each element takes two bytes at least, so len(b) bounds the count.
	stop, end := len(dst)+min(limit, len(b)), i
	for len(dst) < stop && i+runWindow <= len(b) {
		w := (*[runWindow]byte)(b[i : i+runWindow])
		// Signs of real data are random, so no branch: minus is 1 or 0.
		minus := uint((uint64(w[0]^'-') - 1) >> 63)
		j := int(minus)
		var mant uint64
		if w[j] == '0' { // 0.xxx: the common case, without a digit scan
			j++
		} else {
			v, n := leadingDigits(binary.LittleEndian.Uint64(w[j:]))
			if n == 0 || n == 8 {
				break
			}
			mant, j = v, j+n
		}
		exp := 0
		if w[j&15] == '.' {
			f := j + 1
			v, n := leadingDigits(binary.LittleEndian.Uint64(w[f&15:]))
			mant, j = mant*pow10u64[n]+v, f+n
			if n == 8 {
				v, n = leadingDigits(binary.LittleEndian.Uint64(w[j&31:]))
				mant, j = mant*pow10u64[n]+v, j+n
			}
			// At most fifteen digits: all but the sign and the point.
			if j == f || j-1-int(minus) > 15 {
				break
			}
			exp = f - j
		}
		if w[j&31]|0x20 == 'e' {
			e, k, ok := shortExponent(w, j+1)
			if !ok {
				break
			}
			exp, j = exp+e, k
		}
		if exp < -22 || exp > 22 {
			break
		}
		var f float64
		if exp >= 0 {
			f = float64(int64(mant)) * pow10[exp]
		} else {
			f = float64(int64(mant)) / pow10[-exp]
		}
		if !float32Safe(f) {
			break
		}
		// The sign bit is set without a branch.
		dst = append(dst, math.Float32frombits(math.Float32bits(float32(f))|uint32(minus)<<31))
		end = i + j
		if w[j&31] != ',' {
			break // the caller reads what follows
		}
		i = end + 1
		// Python's json.dumps writes ", " between elements.
		for i < len(b) && b[i] == ' ' {
			i++
		}
	}
	return dst, end
}

// runWindow is the input float32Run reads a number from. A sign, up to
// seven integer digits and a point, two words of fraction digits, an
// exponent part of five bytes and the separator take 31 bytes at most;
// offsets are masked to below 32 so that the compiler can drop bounds
// checks, and a word read at any of them ends within 40.
const runWindow = 48

// shortExponent reads the exponent digits after an 'e' at w[j]: a sign and
// one or two digits. More digits, or none, are left to the general path.
func shortExponent(w *[runWindow]byte, j int) (e, end int, ok bool) {
	neg := w[j&31] == '-'
	if w[j&31] == '+' || neg {
		j++
	}
	d0, d1 := w[j&31]-'0', w[(j+1)&31]-'0'
	switch {
	case d0 >= 10:
		return 0, 0, false
	case d1 >= 10:
		e, j = int(d0), j+1
	case w[(j+2)&31]-'0' < 10:
		return 0, 0, false
	default:
		e, j = int(d0)*10+int(d1), j+2
	}
	if neg {
		e = -e
	}
	return e, j, true
}

// float64Run is float32Run for float64 elements.
func float64Run(b []byte, i int, dst []float64, limit int) ([]float64, int) {
	end := i
	for range limit {
		mant, exp, minus, j, ok := shortNumber(b, i)
		if !ok {
			break
		}
		f, ok := exactFloat64(mant, exp)
		if !ok {
			break
		}
		dst = append(dst, math.Float64frombits(math.Float64bits(f)|uint64(minus)<<63))
		end = j
		if i, ok = nextElement(b, j); !ok {
			break
		}
	}
	return dst, end
}

// nextElement skips the separator at b[j] (whitespace, a comma, whitespace)
// and returns the offset of the next element, or false if something else
// is there.
func nextElement(b []byte, j int) (int, bool) {
	for j < len(b) && b[j] <= ' ' && isSpace(b[j]) {
		j++
	}
	if j >= len(b) || b[j] != ',' {
		return 0, false
	}
	j++
	for j < len(b) && b[j] <= ' ' && isSpace(b[j]) {
		j++
	}
	return j, true
}

// exactFloat64 is mant·10^exp correctly rounded, when one IEEE operation
// on exact operands computes it (Clinger's fast path, as number.fast64).
func exactFloat64(mant uint64, exp int) (float64, bool) {
	switch {
	case mant > 1<<53 || exp < -22 || exp > 22:
		return 0, false
	case exp >= 0:
		return float64(mant) * pow10[exp], true
	}
	return float64(mant) / pow10[-exp], true
}

// shortNumber scans the JSON number literal at b[i] when it has at most
// maxMantDigits digits and an exponent part of at most three digits:
// the value is ±mant·10^exp and the literal ends at end. Anything else
// (tokens, longer literals, malformed ones) gives ok == false, for the
// general scanner to convert or report. It reads eight digits at a time.
func shortNumber(b []byte, i int) (mant uint64, exp int, minus uint, end int, ok bool) {
	if i >= len(b) {
		return 0, 0, 0, 0, false
	}
	// Signs of real data are random, so no branch: minus is 1, else 0.
	minus = uint((uint64(b[i]^'-') - 1) >> 63)
	i += int(minus)
	start := i
	if i < len(b) && b[i] == '0' {
		// A lone zero, as in 0.xxx: a predictable branch that keeps the
		// offsets of what follows independent of the digit scan.
		i++
	} else {
		mant, i = digitChunks(b, i, 0)
		// JSON wants at least one digit and no leading zero.
		if i == start || i-start > maxMantDigits {
			return 0, 0, 0, 0, false
		}
	}
	nd := i - start
	if i < len(b) && b[i] == '.' {
		frac := i + 1
		mant, i = digitChunks(b, frac, mant)
		if i == frac {
			return 0, 0, 0, 0, false
		}
		nd += i - frac
		exp = frac - i
		if nd > maxMantDigits {
			return 0, 0, 0, 0, false
		}
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		var e int
		if e, i, ok = exponentDigits(b, i+1); !ok {
			return 0, 0, 0, 0, false
		}
		exp += e
	}
	return mant, exp, minus, i, true
}

// exponentDigits reads [+-]d, dd or ddd at b[i].
func exponentDigits(b []byte, i int) (int, int, bool) {
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	e, start := 0, i
	for i < len(b) && b[i]-'0' < 10 && i-start < 3 {
		e = e*10 + int(b[i]-'0')
		i++
	}
	if i == start || i < len(b) && b[i]-'0' < 10 {
		return 0, 0, false
	}
	if neg {
		e = -e
	}
	return e, i, true
}

// digitChunks accumulates the decimal digits from b[i] onto mant, up to
// eight per step without a branch per digit, and returns the offset after
// them. Past maxMantDigits+1 digits it stops counting (the caller rejects
// the literal); the mantissa then wraps, harmlessly.
func digitChunks(b []byte, i int, mant uint64) (uint64, int) {
	start := i
	for i+8 <= len(b) && i-start <= maxMantDigits {
		v, n := leadingDigits(binary.LittleEndian.Uint64(b[i:]))
		if n < 8 {
			return mant*pow10u64[n] + v, i + n
		}
		// Eight digits: the next offset does not wait for the digit count.
		mant = mant*1e8 + v
		i += 8
	}
	for i < len(b) && b[i]-'0' < 10 && i-start <= maxMantDigits {
		mant = mant*10 + uint64(b[i]-'0')
		i++
	}
	return mant, i
}

// leadingDigits converts the run of ASCII digits that starts the eight
// bytes in v (the first in the low byte) and returns its value and length.
// A byte is a digit when its high nibble is 3 and adding 6 keeps it so; an
// addition that carries out of a byte only disturbs bytes after a
// non-digit, as does a subtraction that borrows.
func leadingDigits(v uint64) (uint64, int) {
	const zeros, high = 0x3030303030303030, 0xF0F0F0F0F0F0F0F0
	bad := (v&high ^ zeros) | ((v+0x0606060606060606)&high ^ zeros)
	n := bits.TrailingZeros64(bad) >> 3 // 8 when all are digits
	// Keep the n digit values as the high bytes, zeros below them, which
	// as leading zeros leave the value alone. The shift by up to 64 bits is
	// split in two, which compile to plain shift instructions.
	s := uint(32-4*n) & 63
	w := (v - zeros) << s << s
	w = (w*10 + w>>8) & 0x00FF00FF00FF00FF
	w = (w * (100<<16 + 1)) >> 16 & 0x0000FFFF0000FFFF
	return (w * (10000<<32 + 1)) >> 32, n
}

// pow10u64 holds the powers of ten that fit a uint64.
var pow10u64 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}
