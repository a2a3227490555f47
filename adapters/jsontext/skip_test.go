// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// skipAll is readAll32 with SkipNumbers: it counts the elements instead of
// keeping them.
func skipAll(data []byte, limit int) (int, error) {
	d := NewDecoder(data)
	if err := d.ReadArrayStart(); err != nil {
		return 0, err
	}
	count := 0
	for {
		n, err := d.SkipNumbers(limit)
		count += n
		if err != nil {
			return count, err
		}
		if !d.More() {
			break
		}
		if _, err := d.ReadFloat32(); err != nil {
			return count, err
		}
		count++
	}
	if err := d.ReadArrayEnd(); err != nil {
		return count, err
	}
	return count, d.Finish()
}

// checkSkipAgrees compares SkipNumbers with ReadFloat32s on one document,
// at a few limits: the same element count, error and offset.
func checkSkipAgrees(t *testing.T, data []byte) {
	t.Helper()
	for _, limit := range []int{math.MaxInt, 1, 3, 64} {
		want, werr := readAll32(data, limit)
		got, gerr := skipAll(data, limit)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Fatalf("%.200q (limit %d): SkipNumbers error %v, ReadFloat32s %v", data, limit, gerr, werr)
		}
		if got != len(want) {
			t.Fatalf("%.200q (limit %d): SkipNumbers passed %d elements, ReadFloat32s read %d", data, limit, got, len(want))
		}
	}
}

// TestSkipNumbersAgrees: on long runs, with malformed and special elements
// amid them, with every separator, SkipNumbers counts and fails exactly as
// ReadFloat32s reads and fails.
func TestSkipNumbersAgrees(t *testing.T) {
	t.Parallel()
	run := strings.Repeat("0.123456784,-1.5,3e-7,12345678901234567890,", 8)
	odd := []string{"01", "-01", "1.", "1.e5", "1e", "1e+", "-", "--1", "+1", ".5", "1,,2", "1,]",
		"1 2", "0.5x", "1e1234", "1E-0001", "0x10", "1.5e+05e", "nan", "Inf", "-Infinit", "NaN0",
		"1.2.3", "\"1\"", "[1]", "1]", "1}", "0.1234567890123456789012", "1\t,2", "1,\t2",
		"NaN", "Infinity", "-Infinity", "-0", "0", "1e39", "-1E+400", "null", "true", "{}"}
	for _, o := range odd {
		for _, data := range [][]byte{
			[]byte("[" + run + o + "," + run + "0]"),
			[]byte("[" + run + o + "]"),
			[]byte("[" + o + "," + run + "0]"),
			[]byte("[" + o),
			[]byte("[" + run + o),
		} {
			checkSkipAgrees(t, data)
		}
	}
	lits := make([]string, 300)
	for i := range lits {
		lits[i] = strconv.FormatFloat(float64(i)*1.25-100, 'g', -1, 64)
	}
	for _, sep := range separators {
		checkSkipAgrees(t, document(lits, sep))
	}
}

// FuzzSkipNumbers checks SkipNumbers against ReadFloat32s on any array.
func FuzzSkipNumbers(f *testing.F) {
	for _, s := range []string{"[1,2,3]", "[0.5, -1e5,NaN]", "[1,\n2 , 3e+2]", "[01]", "[1.]", "[-Infinity,1]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSkipAgrees(t, data)
	})
}
