// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

func TestAppendString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"q\"b\\s/", `"q\"b\\s/"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"é😀", `"é😀"`},
		{"a\xffb", `"a\ufffdb"`},
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"<&>", `"<&>"`},
	}
	for _, tt := range tests {
		if got := string(AppendString([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got[1:], tt.want)
		}
		if got := string(AppendStringBytes(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendStringBytes(%q) = %s, want %s", tt.in, got, tt.want)
		}
		// The output is valid JSON that decodes to the (repaired) input.
		var s string
		if err := json.Unmarshal([]byte(tt.want), &s); err != nil {
			t.Errorf("AppendString(%q) output is not valid JSON: %v", tt.in, err)
		}
		v, err := Parse([]byte(tt.want))
		if err != nil || v.Text() != s {
			t.Errorf("Parse(AppendString(%q)) = %q, %v, want %q", tt.in, v.Text(), err, s)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f      float64
		bits   int
		tokens bool
		want   string
	}{
		// TF Serving's FromJsonSingleFloatTensorSixDigitPrecision expectations.
		{9000000, 32, true, "9e+06"},
		{999999, 32, true, "999999.0"},
		{0.5, 32, true, "0.5"},
		{float64(float32(0.0003)), 32, true, "0.0003"},
		{float64(float32(0.00003)), 32, true, "3e-05"},
		{555557.5, 32, true, "555557.5"},
		// FromJsonSingleFloatTensorNonFinite.
		{3, 32, true, "3.0"},
		{math.NaN(), 32, true, "NaN"},
		{math.Inf(1), 32, true, "Infinity"},
		{math.Inf(-1), 64, true, "-Infinity"},
		{math.NaN(), 64, false, "null"},
		{math.Inf(1), 64, false, "null"},
		// Longer values switch to exponents at max_digits10, as %.9g/%.17g do.
		{1234567, 32, true, "1234567.0"},
		{16777216, 32, true, "16777216.0"},
		{123456789, 32, true, "123456792.0"}, // TF: %.9g
		{123456789012, 64, true, "123456789012.0"},
		{1234567.5, 64, true, "1234567.5"},
		{1e21, 64, true, "1e+21"},
		{math.Copysign(0, -1), 64, true, "-0.0"},
		{0.1, 32, true, "0.1"},
		{0.1, 64, true, "0.1"},
		{float64(float32(0.1)), 64, true, "0.10000000149011612"},
		{1e300, 32, true, "Infinity"}, // rounded to float32 first
		{math.MaxFloat64, 64, true, "1.7976931348623157e+308"},
		{5e-324, 64, true, "4.94066e-324"}, // six digits parse back
		{1.5, 7, true, "1.5"},              // any other size means 64
	}
	for _, tt := range tests {
		got := string(AppendFloat64(nil, tt.f, tt.bits, tt.tokens))
		if got != tt.want {
			t.Errorf("AppendFloat64(%v, %d, %v) = %s, want %s", tt.f, tt.bits, tt.tokens, got, tt.want)
		}
	}
}

func TestAppendFloatRoundTrips(t *testing.T) {
	t.Parallel()
	for _, s := range floatLiterals {
		f64, _ := strconv.ParseFloat(s, 64)
		out := AppendFloat64(nil, f64, 64, true)
		back, err := ParseFloat64(out)
		if err != nil || math.Float64bits(back) != math.Float64bits(f64) {
			t.Errorf("ParseFloat64(AppendFloat64(%v)) = %s → %v, %v", f64, out, back, err)
		}
		f32 := float32(f64)
		out = AppendFloat32(nil, f32, true)
		back32, err := ParseFloat32(out)
		if err != nil || math.Float32bits(back32) != math.Float32bits(f32) {
			t.Errorf("ParseFloat32(AppendFloat32(%v)) = %s → %v, %v", f32, out, back32, err)
		}
	}
}

func TestAppendIntegers(t *testing.T) {
	t.Parallel()
	if got := string(AppendInt(nil, math.MinInt64)); got != "-9223372036854775808" {
		t.Errorf("AppendInt(MinInt64) = %s", got)
	}
	if got := string(AppendUint(nil, math.MaxUint64)); got != "18446744073709551615" {
		t.Errorf("AppendUint(MaxUint64) = %s", got)
	}
	if got := string(AppendBool(AppendBool(nil, true), false)); got != "truefalse" {
		t.Errorf("AppendBool = %s, want truefalse", got)
	}
}
