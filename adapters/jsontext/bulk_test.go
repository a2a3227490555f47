// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// edgeLiterals are number literals at the edges of the fast paths: float32
// limits and subnormals, negative zero, digit counts around the 8-, 15- and
// 19-digit boundaries, exponents around ±22 and with one to three digits,
// float32 rounding midpoints, and the bare tokens.
var edgeLiterals = []string{
	"0", "-0", "0.0", "-0.0", "0e0", "-0E-0", "1", "-1", "9", "10", "1234567", "12345678", "123456789",
	"0.1", "0.5", "0.123456784", "-0.123456784", "0.12345678", "0.0123456789", "0.000123456789",
	"1.5", "99999.95", "123.456", "1234567.5", "0.9999999403953552", "0.99999994",
	"3.4028235e38", "-3.4028235e38", "3.4028234663852886e38", "3.4028235677973366e38",
	"3.4028236e38", "3.40282357e38", "1e38", "1e39", "-1e39", "1e-38", "1.1754944e-38",
	"1.17549435e-38", "1e-45", "1.4e-45", "-1.4e-45", "7e-46", "7.1e-46", "1e-46", "2e-45",
	"1.401298464324817e-45", "5e-324", "1e308", "1.8e308", "1e400", "-1e400", "1e-400",
	"1e22", "1e23", "1e-22", "1e-23", "4.5e15", "9007199254740993", "9007199254740992.5",
	"0.000000000000000000001", "123456789012345", "1234567890123456", "12345678901234567890",
	"0.1000000000000000055511151231257827", "16777217", "16777216.5", "33554434", "0.1e1",
	"1.5e+05", "1.5E-05", "2e0", "2e00", "2e000", "2e-07", "7e22", "7e+22", "8e-22",
	"1.00000005960464477539062", "1.000000059604644775390625", "1.0000000596046447753906251",
	"NaN", "Infinity", "-Infinity",
}

// separators join elements in the documents the tests build.
var separators = []string{",", ", ", " ,", ",\n  ", " , "}

// randomLiterals returns n literals as clients write them: TF's and Go's
// float32 forms, fixed and exponent notation, integers, and float64 text.
func randomLiterals(rng *rand.Rand, n int) []string {
	out := make([]string, 0, n)
	for len(out) < n {
		f := rng.Float32()*2 - 1
		switch rng.IntN(8) {
		case 0:
			f = math.Float32frombits(rng.Uint32())
		case 1:
			f *= float32(math.Pow(10, float64(rng.IntN(80)-40)))
		}
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			continue
		}
		var s string
		switch rng.IntN(7) {
		case 0:
			s = string(AppendFloat32(nil, f, true))
		case 1:
			s = strconv.FormatFloat(float64(f), 'g', -1, 32)
		case 2:
			s = strconv.FormatFloat(float64(f), 'e', rng.IntN(12), 32)
		case 3:
			s = strconv.FormatFloat(float64(f), 'f', rng.IntN(12), 32)
		case 4:
			s = strconv.Itoa(rng.IntN(1 << 30))
		case 5:
			s = strconv.FormatFloat(rng.NormFloat64(), 'g', -1, 64)
		default:
			s = string(AppendFloat32(nil, f, true))
		}
		if !isJSONNumber(s) {
			continue // strconv's "1e+06" is JSON, "Inf" or "+1" would not be
		}
		out = append(out, s)
	}
	return out
}

func isJSONNumber(s string) bool {
	_, err := scanWhole([]byte(s))
	return err == nil
}

// document joins lits into a JSON array with the separator sep.
func document(lits []string, sep string) []byte {
	return []byte("[" + strings.Join(lits, sep) + "]")
}

// readAll reads a whole array with ReadFloat32s in steps of limit, then
// the element-wise reads, as the tensor decoder does.
func readAll32(data []byte, limit int) ([]float32, error) {
	d := NewDecoder(data)
	if err := d.ReadArrayStart(); err != nil {
		return nil, err
	}
	var out []float32
	for {
		var err error
		if out, err = d.ReadFloat32s(out, limit); err != nil {
			return out, err
		}
		if !d.More() {
			break
		}
		f, err := d.ReadFloat32()
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
	if err := d.ReadArrayEnd(); err != nil {
		return out, err
	}
	return out, d.Finish()
}

// readEach reads the array element by element: the reference.
func readEach32(data []byte) ([]float32, error) {
	d := NewDecoder(data)
	if err := d.ReadArrayStart(); err != nil {
		return nil, err
	}
	var out []float32
	for d.More() {
		f, err := d.ReadFloat32()
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
	if err := d.ReadArrayEnd(); err != nil {
		return out, err
	}
	return out, d.Finish()
}

// want32 is strconv's float32 for a literal (the tokens as this package
// reads them).
func want32(t *testing.T, s string) float32 {
	t.Helper()
	switch s {
	case "NaN":
		return float32(math.NaN())
	case "Infinity":
		return float32(math.Inf(1))
	case "-Infinity":
		return float32(math.Inf(-1))
	}
	f, err := strconv.ParseFloat(s, 32)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		t.Fatalf("strconv.ParseFloat(%q): %v", s, err)
	}
	return float32(f)
}

func same32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

func TestReadFloat32sMatchesStrconv(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	lits := append(randomLiterals(rng, 200_000), edgeLiterals...)
	for _, sep := range separators {
		for _, limit := range []int{math.MaxInt, 1000, 7} {
			rng.Shuffle(len(lits), func(i, j int) { lits[i], lits[j] = lits[j], lits[i] })
			got, err := readAll32(document(lits, sep), limit)
			if err != nil {
				t.Fatalf("separator %q, limit %d: %v", sep, limit, err)
			}
			if len(got) != len(lits) {
				t.Fatalf("separator %q, limit %d: %d values, want %d", sep, limit, len(got), len(lits))
			}
			for i, s := range lits {
				if want := want32(t, s); !same32(got[i], want) {
					t.Fatalf("separator %q: %s read as %v (%#x), strconv gives %v (%#x)",
						sep, s, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
				}
			}
		}
	}
}

func TestReadFloat64sMatchesStrconv(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	lits := append(randomLiterals(rng, 100_000), edgeLiterals...)
	for _, sep := range separators[:2] {
		d := NewDecoder(document(lits, sep))
		if err := d.ReadArrayStart(); err != nil {
			t.Fatal(err)
		}
		got, err := d.ReadFloat64s(nil, math.MaxInt)
		if err != nil || len(got) != len(lits) {
			t.Fatalf("separator %q: %d values, %v; want %d", sep, len(got), err, len(lits))
		}
		for i, s := range lits {
			want, err := ParseFloat64([]byte(s))
			if f, serr := strconv.ParseFloat(s, 64); serr == nil {
				want = f
			}
			if err != nil || math.Float64bits(got[i]) != math.Float64bits(want) && !math.IsNaN(want) {
				t.Fatalf("%s read as %v, want %v (%v)", s, got[i], want, err)
			}
		}
	}
}

// TestReadFloat32sErrors checks that malformed elements amid long runs,
// where the fast path is active, fail exactly as element-wise reads do:
// same values before the error, same message and offset.
func TestReadFloat32sErrors(t *testing.T) {
	t.Parallel()
	run := strings.Repeat("0.123456784,-1.5,", 8)
	bad := []string{"01", "-01", "1.", "1.e5", "1e", "1e+", "-", "--1", "+1", ".5", "1,,2", "1,]",
		"1 2", "0.5x", "1e1234", "1E-0001", "0x10", "1.5e+05e", "nan", "Inf", "-Infinit", "NaN0",
		"1.2.3", "\"1\"", "[1]", "1]", "1}", "0.1234567890123456789012", "1\t,2", "1,\t2"}
	for _, b := range bad {
		for _, data := range [][]byte{
			[]byte("[" + run + b + "," + run + "0]"),
			[]byte("[" + run + b + "]"),
			[]byte("[" + b + "," + run + "0]"),
		} {
			want, werr := readEach32(data)
			got, gerr := readAll32(data, math.MaxInt)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("%s: ReadFloat32s error %v, element-wise %v", data, gerr, werr)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: ReadFloat32s read %d values, element-wise %d", data, len(got), len(want))
			}
			for i := range want {
				if !same32(got[i], want[i]) {
					t.Fatalf("%s: value %d is %v, element-wise %v", data, i, got[i], want[i])
				}
			}
		}
	}
}

// TestReadFloat32sLimit checks that a limit leaves the decoder at the next
// element, whatever the separator.
func TestReadFloat32sLimit(t *testing.T) {
	t.Parallel()
	lits := make([]string, 100)
	for i := range lits {
		lits[i] = strconv.Itoa(i) + ".5"
	}
	for _, sep := range separators {
		d := NewDecoder(document(lits, sep))
		if err := d.ReadArrayStart(); err != nil {
			t.Fatal(err)
		}
		var got []float32
		for k := 1; d.More(); k++ {
			var err error
			if got, err = d.ReadFloat32s(got, k%5+1); err != nil {
				t.Fatalf("separator %q: %v", sep, err)
			}
			if !d.More() {
				break
			}
			if d.PeekKind() != Number {
				t.Fatalf("separator %q: next kind %v after %d values", sep, d.PeekKind(), len(got))
			}
		}
		if err := d.ReadArrayEnd(); err != nil || len(got) != len(lits) {
			t.Fatalf("separator %q: %d values, %v", sep, len(got), err)
		}
		for i, f := range got {
			if f != float32(i)+0.5 {
				t.Fatalf("separator %q: value %d is %v", sep, i, f)
			}
		}
	}
}

// TestAppendFloat32s compares the bulk encoder with the reference for each
// element, at every buffer size from none to plenty, and checks that
// room reserved for the text is enough: no growth.
func TestAppendFloat32s(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	vs := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)),
		float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
		0x1p-126, 0x1p-127, 1, 0.5, 1e6, 123456789, 1e-5, 3e-5, 1e9, 16777216}
	for range 20_000 {
		vs = append(vs, math.Float32frombits(rng.Uint32()), rng.Float32()*2-1, float32(rng.IntN(1000))/8)
	}
	for _, tokens := range []bool{true, false} {
		var want []byte
		for i, v := range vs {
			if i > 0 {
				want = append(want, ',')
			}
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				want = appendNonFinite(want, f, tokens)
			} else {
				want = appendFloatTF(want, f, 32)
			}
		}
		for _, room := range []int{0, len(want) - 40, len(want) - 1, len(want), len(want) + 31, 2 * len(want)} {
			dst := append(make([]byte, 0, 3+max(room, 0)), "xy:"...)
			before := cap(dst)
			got := AppendFloat32s(dst, vs, tokens)
			if string(got[3:]) != string(want) || string(got[:3]) != "xy:" {
				i := 0
				for i < min(len(got)-3, len(want)) && got[3+i] == want[i] {
					i++
				}
				t.Fatalf("tokens %v, room %d: differs at byte %d: %.40q, want %.40q", tokens, room, i, got[3+i:], want[i:])
			}
			if room >= len(want) && cap(got) != before {
				t.Fatalf("tokens %v, room %d: grew from %d to %d", tokens, room, before, cap(got))
			}
		}
	}
	if got := AppendFloat32s([]byte("x"), nil, true); string(got) != "x" {
		t.Fatalf("no elements: %q", got)
	}
}
