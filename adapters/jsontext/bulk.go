// SPDX-License-Identifier: Apache-2.0

package jsontext

// ReadFloat32s reads consecutive number elements of the current array,
// appending them to dst, and stops before the closing bracket, before an
// element that is not a number (an array, a string, …), or once it has
// appended limit elements. The decoder is then positioned as More and the
// read methods expect, so the caller can continue element by element. It
// is the fast path for tensor data; the values are those ReadFloat32 gives.
func (d *Decoder) ReadFloat32s(dst []float32, limit int) ([]float32, error) {
	for range limit {
		start, ok := d.nextNumber()
		if !ok {
			break
		}
		n, end, err := scanNumber(d.data, start)
		if err != nil {
			return dst, d.fail(err)
		}
		dst = append(dst, n.float32(d.data[start:end]))
		d.pos, d.state = end, stAfterValue
	}
	return dst, d.err
}

// ReadFloat64s is ReadFloat32s for float64 elements.
func (d *Decoder) ReadFloat64s(dst []float64, limit int) ([]float64, error) {
	for range limit {
		start, ok := d.nextNumber()
		if !ok {
			break
		}
		n, end, err := scanNumber(d.data, start)
		if err != nil {
			return dst, d.fail(err)
		}
		dst = append(dst, n.float64(d.data[start:end]))
		d.pos, d.state = end, stAfterValue
	}
	return dst, d.err
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
