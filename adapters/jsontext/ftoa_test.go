// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// checkFloat32 compares the float32 fast path with the strconv reference,
// and checks the text parses back.
func checkFloat32(t *testing.T, f float32) {
	t.Helper()
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return
	}
	got := appendFloat32(nil, f)
	want := appendFloatTF(nil, float64(f), 32)
	if string(got) != string(want) {
		t.Fatalf("appendFloat32(%v, bits %#x) = %s, reference gives %s", f, math.Float32bits(f), got, want)
	}
	if back, err := ParseFloat32(got); err != nil || math.Float32bits(back) != math.Float32bits(f) {
		t.Fatalf("ParseFloat32(%s) = %v, %v, want %v", got, back, err, f)
	}
}

// checkFloat32s checks AppendFloat32s on f amid other values: its text
// there is the reference's.
func checkFloat32s(t *testing.T, f float32) {
	t.Helper()
	text := appendNonFinite(nil, float64(f), true)
	if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
		text = appendFloatTF(nil, float64(f), 32)
	}
	want := "0.25," + string(text) + "," + string(text)
	if got := string(AppendFloat32s(nil, []float32{0.25, f, f}, true)); got != want {
		t.Fatalf("AppendFloat32s(0.25, %v, %v) = %s, want %s", f, f, got, want)
	}
}

func TestAppendFloat32MatchesReference(t *testing.T) {
	t.Parallel()
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.1, 0.5, 3, 999999, 1e6, 1234567, 9000000, 16777216,
		123456789, 1e9, 999999999, 1e10, 1.2345679e10, math.MaxFloat32, math.SmallestNonzeroFloat32, 0x1p-126,
		1e-21, 1e-36, 1e-37, 1e-20, 0x1p-54, 0x1p-77, 2097152.25, 0x1p-12, 0.0003, 3e-5, 555557.5, 1e38, 3.4028235e38,
		1e-7, 2e-7, 8388608.5, 0.99999994, 0.9999995, 9.999995e5, 99999.95}
	for _, f := range special {
		checkFloat32(t, f)
		checkFloat32(t, -f)
		checkFloat32s(t, f)
		checkFloat32s(t, -f)
	}
	for e := -149; e <= 127; e++ { // powers of two and their neighbours
		p := float32(math.Ldexp(1, e))
		checkFloat32(t, p)
		checkFloat32(t, math.Nextafter32(p, 0))
		checkFloat32(t, math.Nextafter32(p, math.MaxFloat32))
	}
	for i := range 100000 { // integers, short decimals, halves at six digits
		checkFloat32(t, float32(i))
		checkFloat32(t, float32(i)/1000)
		checkFloat32(t, float32(i)*1e7)
		checkFloat32(t, (float32(i)+0.5)/10)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300_000 {
		checkFloat32(t, math.Float32frombits(rng.Uint32()))
		checkFloat32(t, rng.Float32()*2-1)
	}
}

// TestAppendFloatTF checks the reference against TF Serving's own
// expectations and C's %g layout.
func TestAppendFloatTF(t *testing.T) {
	t.Parallel()
	third, tenth, fifth := 1.0, 0.1, 0.2
	third /= 3
	tests := []struct {
		f    float64
		bits int
		want string
	}{
		{third, 64, "0.33333333333333331"}, // %.17g
		{0.1, 64, "0.1"},
		{tenth + fifth, 64, "0.30000000000000004"},
		{5e-324, 64, "4.94066e-324"}, // six digits round-trip
		{1e100, 64, "1e+100"},
		{123456789012, 64, "123456789012.0"},
		{float64(float32(0.1)), 64, "0.10000000149011612"},
		{-0.12345678, 32, "-0.123456784"}, // %.9g, not the shortest -0.12345678
	}
	for _, tt := range tests {
		if got := string(AppendFloat64(nil, tt.f, tt.bits, true)); got != tt.want {
			t.Errorf("AppendFloat64(%v, %d) = %s, want %s", tt.f, tt.bits, got, tt.want)
		}
		if got := string(appendFloatTF(nil, tt.f, tt.bits)); got != tt.want {
			t.Errorf("appendFloatTF(%v, %d) = %s, want %s", tt.f, tt.bits, got, tt.want)
		}
	}
}

func FuzzAppendFloat32(f *testing.F) {
	for _, b := range []uint32{0, 1, 0x3f800000, 0x7f7fffff, 0x00800000, 0x4b800000, 0x1e3ce508} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b uint32) {
		checkFloat32(t, math.Float32frombits(b))
		checkFloat32s(t, math.Float32frombits(b))
		g := float64(math.Float32frombits(b)) * 1.000000001 // a float64 neighbour
		if !math.IsInf(g, 0) && !math.IsNaN(g) {
			out := AppendFloat64(nil, g, 64, true)
			if back, err := strconv.ParseFloat(string(out), 64); err != nil || back != g {
				t.Fatalf("AppendFloat64(%v) = %s does not parse back (%v, %v)", g, out, back, err)
			}
		}
	})
}

func TestEightDigitsASCII(t *testing.T) {
	t.Parallel()
	check := func(v uint64) {
		t.Helper()
		w := eightDigitsASCII(v)
		nd := significant(w)
		var got [8]byte
		binary.LittleEndian.PutUint64(got[:], w)
		want := fmt.Sprintf("%08d", v)
		if string(got[:]) != want || nd != len(strings.TrimRight(want, "0")) {
			t.Fatalf("eightDigitsASCII(%d) = %q, %d; want %q, %d", v, got, nd, want, len(strings.TrimRight(want, "0")))
		}
	}
	for v := range uint64(100_000) {
		check(v)
		check(99_999_999 - v)
		check(v * 1000)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 1_000_000 {
		check(rng.Uint64N(100_000_000))
	}
}
