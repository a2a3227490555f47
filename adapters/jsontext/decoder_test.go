// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestDecoderWalk(t *testing.T) {
	t.Parallel()
	d := NewDecoder([]byte(` {"id": "a\"b", "xs": [1, -2.5, NaN], "ok": true, "n": null, "o": {}} `))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.ReadObjectStart())
	var keys []string
	var floats []float64
	for d.More() {
		k, err := d.ReadObjectKey()
		must(err)
		keys = append(keys, k)
		switch k {
		case "id":
			s, err := d.ReadString()
			must(err)
			if s != `a"b` {
				t.Errorf(`ReadString() = %q, want a"b`, s)
			}
		case "xs":
			if got := d.PeekKind(); got != Array {
				t.Errorf("PeekKind() = %v, want array", got)
			}
			must(d.ReadArrayStart())
			for d.More() {
				f, err := d.ReadFloat64()
				must(err)
				floats = append(floats, f)
			}
			if got := d.PeekKind(); got != End {
				t.Errorf("PeekKind() at ']' = %v, want end", got)
			}
			must(d.ReadArrayEnd())
		case "ok":
			b, err := d.ReadBool()
			must(err)
			if !b {
				t.Error("ReadBool() = false, want true")
			}
		case "n":
			must(d.ReadNull())
		default:
			must(d.Skip())
		}
	}
	must(d.ReadObjectEnd())
	if got := d.PeekKind(); got != End {
		t.Errorf("PeekKind() after document = %v, want end", got)
	}
	must(d.Finish())
	if len(keys) != 5 || keys[4] != "o" {
		t.Errorf("keys = %q, want id xs ok n o", keys)
	}
	if len(floats) != 3 || floats[0] != 1 || floats[1] != -2.5 || !math.IsNaN(floats[2]) {
		t.Errorf("floats = %v, want [1 -2.5 NaN]", floats)
	}
}

func TestDecoderValueErrorIsNotSticky(t *testing.T) {
	t.Parallel()
	d := NewDecoder([]byte(`["x", 1.5, 300]`))
	if err := d.ReadArrayStart(); err != nil {
		t.Fatal(err)
	}
	_, err := d.ReadFloat64()
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Kind != String || ve.Offset != 1 {
		t.Fatalf("ReadFloat64() on a string error = %v, want *ValueError kind string at 1", err)
	}
	if s, err := d.ReadString(); s != "x" || err != nil {
		t.Fatalf("ReadString() after ValueError = %q, %v, want x", s, err)
	}
	if !d.More() {
		t.Fatal("More() = false, want true")
	}
	if _, err := d.ReadInt64(); !errors.As(err, &ve) || ve.Msg != "number 1.5 is not an integer" {
		t.Fatalf("ReadInt64() on 1.5 error = %v, want not an integer", err)
	}
	if raw, err := d.ReadRaw(); string(raw) != "1.5" || err != nil {
		t.Fatalf("ReadRaw() = %q, %v, want 1.5", raw, err)
	}
	if !d.More() {
		t.Fatal("More() = false, want true")
	}
	if v, err := d.ReadInt64(); v != 300 || err != nil {
		t.Fatalf("ReadInt64() = %d, %v, want 300", v, err)
	}
	if d.More() {
		t.Fatal("More() at end = true")
	}
	if err := d.ReadArrayEnd(); err != nil {
		t.Fatal(err)
	}
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
}

func TestDecoderSyntaxErrorIsSticky(t *testing.T) {
	t.Parallel()
	d := NewDecoder([]byte(`[1 x]`))
	_ = d.ReadArrayStart()
	_, _ = d.ReadInt64()
	if d.More() {
		t.Fatal("More() before 'x' = true, want false")
	}
	first := d.Err()
	var se *SyntaxError
	if !errors.As(first, &se) || se.Offset != 3 {
		t.Fatalf("Err() = %v, want syntax error at 3", first)
	}
	if _, err := d.ReadInt64(); err != first {
		t.Errorf("ReadInt64() after syntax error = %v, want the same error", err)
	}
	if d.Offset() != 3 {
		t.Errorf("Offset() = %d, want 3", d.Offset())
	}
}

func TestDecoderMisuse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		walk func(d *Decoder) error
	}{
		{"value where key is due", `{"a":1}`, func(d *Decoder) error {
			_ = d.ReadObjectStart()
			_, err := d.ReadInt64()
			return err
		}},
		{"array end in object", `{}`, func(d *Decoder) error {
			_ = d.ReadObjectStart()
			return d.ReadArrayEnd()
		}},
		{"end before the last element", `[1,2]`, func(d *Decoder) error {
			_ = d.ReadArrayStart()
			_, _ = d.ReadInt64()
			return d.ReadArrayEnd()
		}},
		{"finish inside an array", `[1]`, func(d *Decoder) error {
			_ = d.ReadArrayStart()
			return d.Finish()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.walk(NewDecoder([]byte(tt.in))); !errors.Is(err, errMisuse) {
				t.Errorf("error = %v, want errMisuse", err)
			}
		})
	}
}

func TestReadIntegers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		i64     int64
		i64Err  bool
		u64     uint64
		u64Err  bool
		isInteg bool
	}{
		{"0", 0, false, 0, false, true},
		{"-0", 0, false, 0, false, true},
		{"9223372036854775807", math.MaxInt64, false, math.MaxInt64, false, true},
		{"-9223372036854775808", math.MinInt64, false, 0, true, true},
		{"9223372036854775808", 0, true, 1 << 63, false, true},
		{"-9223372036854775809", 0, true, 0, true, true},
		{"18446744073709551615", 0, true, math.MaxUint64, false, true},
		{"18446744073709551616", 0, true, 0, true, true},
		{"100000000000000000000000", 0, true, 0, true, true},
		{"1.0", 0, true, 0, true, false},
		{"1e2", 0, true, 0, true, false},
		{"NaN", 0, true, 0, true, false},
		{"-1", -1, false, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			i, err := NewDecoder([]byte(tt.in)).ReadInt64()
			if (err != nil) != tt.i64Err || (err == nil && i != tt.i64) {
				t.Errorf("ReadInt64(%s) = %d, %v, want %d (error %v)", tt.in, i, err, tt.i64, tt.i64Err)
			}
			u, err := NewDecoder([]byte(tt.in)).ReadUint64()
			if (err != nil) != tt.u64Err || (err == nil && u != tt.u64) {
				t.Errorf("ReadUint64(%s) = %d, %v, want %d (error %v)", tt.in, u, err, tt.u64, tt.u64Err)
			}
			if got := IsInteger([]byte(tt.in)); got != tt.isInteg {
				t.Errorf("IsInteger(%s) = %v, want %v", tt.in, got, tt.isInteg)
			}
		})
	}
}

// floatLiterals are decimal texts that stress the fast paths and their
// fallbacks: exact powers of ten, 2^53, long mantissas, tiny and huge
// exponents, subnormals and values beyond each float type's range.
var floatLiterals = []string{
	"0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.2", "0.3", "1.5", "3.14159", "1e22", "1e23", "1e-22", "1e-23",
	"9007199254740992", "9007199254740993", "9007199254740993.0", "123456789012345678901234567890",
	"0.000000000000000000000000000001", "1.7976931348623157e308", "1.7976931348623159e308", "1e309",
	"-1e309", "4.9e-324", "2.4e-324", "1e-400", "3.4028234663852886e38", "3.4028235677973366e38",
	"3.40282357e38", "1.17549435e-38", "1.4e-45", "7e-46", "0.1e1", "10e-1", "16777216", "16777217",
	"16777217.0", "33554431", "1.00000017881393432617187499", "1.000000178813934326171875",
	"1.00000017881393432617187501", "0.99999997019767761230468750", "123.456e-7", "5e-1",
	"1234567890123456789", "12345678901234567890", "0.1234567890123456789", "2.5E+3", "2.5e-3",
	"1234567890.12345678901234", "0.00000000000000000000123456789012345678901", "100000000000000000000.000000",
	"12345678901234567890123e-5", "0.000000000000000000000000000000000000000000001401298464324817",
	"-0.12345678", "0.99999994", "0.999999940395355224609375", "8388608.5", "8388609.5",
}

func TestParseFloatMatchesStrconv(t *testing.T) {
	t.Parallel()
	check := func(s string) {
		t.Helper()
		want64, _ := strconv.ParseFloat(s, 64)
		got64, err := ParseFloat64([]byte(s))
		if err != nil || math.Float64bits(got64) != math.Float64bits(want64) {
			t.Errorf("ParseFloat64(%s) = %v, %v, want %v", s, got64, err, want64)
		}
		w32, _ := strconv.ParseFloat(s, 32)
		want32 := float32(w32)
		got32, err := ParseFloat32([]byte(s))
		if err != nil || math.Float32bits(got32) != math.Float32bits(want32) {
			t.Errorf("ParseFloat32(%s) = %v, %v, want %v", s, got32, err, want32)
		}
	}
	for _, s := range floatLiterals {
		check(s)
	}
	// float32 midpoints and their neighbours: the cases where rounding
	// through float64 would round twice.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		f := math.Float32frombits(rng.Uint32() &^ (1 << 31) % 0x7f000000)
		next := math.Nextafter32(f, float32(math.Inf(1)))
		mid := (float64(f) + float64(next)) / 2
		for _, prec := range []int{7, 8, 9, 10, 12, 17, -1} {
			check(strconv.FormatFloat(mid, 'g', prec, 64))
			check(strconv.FormatFloat(float64(f), 'g', prec, 32))
		}
		check(strconv.FormatFloat(mid, 'e', 30, 64))
	}
}

func TestNonFiniteTokens(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"NaN": math.NaN(), "Infinity": math.Inf(1), "-Infinity": math.Inf(-1)} {
		got, err := ParseFloat64([]byte(in))
		if err != nil || math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("ParseFloat64(%s) = %v, %v, want %v", in, got, err, want)
		}
		got32, err := ParseFloat32([]byte(in))
		if err != nil || float64(got32) != want && !(math.IsNaN(float64(got32)) && math.IsNaN(want)) {
			t.Errorf("ParseFloat32(%s) = %v, %v, want %v", in, got32, err, want)
		}
	}
	for _, in := range []string{"nan", "inf", "+Infinity", "Infinityx", "NaN1", "-NaN"} {
		if _, err := ParseFloat64([]byte(in)); err == nil {
			t.Errorf("ParseFloat64(%s) error = nil, want a syntax error", in)
		}
	}
}

func TestReadStringAppendNeverAliases(t *testing.T) {
	t.Parallel()
	data := []byte(`["plain", "esc\naped"]`)
	d := NewDecoder(data)
	_ = d.ReadArrayStart()
	var dst []byte
	for d.More() {
		var err error
		if dst, err = d.ReadStringAppend(dst); err != nil {
			t.Fatal(err)
		}
	}
	if string(dst) != "plainesc\naped" {
		t.Fatalf("ReadStringAppend = %q, want plainesc\\naped", dst)
	}
	copy(data, "XXXXXXXXXXXXXXXXXXXXX")
	if string(dst) != "plainesc\naped" {
		t.Errorf("ReadStringAppend result changed with the input: %q", dst)
	}
}

func TestNewDecoderRange(t *testing.T) {
	t.Parallel()
	data := []byte(`{"a": [1, 2], "b": x}`)
	d := NewDecoderRange(data, 6, 12)
	if err := d.Skip(); err != nil {
		t.Fatal(err)
	}
	if err := d.Finish(); err != nil {
		t.Errorf("Finish() = %v, want nil", err)
	}
	d = NewDecoderRange(data, 19, 20)
	err := d.Skip()
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 19 {
		t.Errorf("Skip() of x error = %v, want syntax error at absolute offset 19", err)
	}
	// Out-of-range bounds are clamped, not a panic.
	if err := NewDecoderRange(data, 50, -3).Skip(); err == nil {
		t.Error("Skip() on an empty clamped range = nil, want an error")
	}
}

func TestPeekKind(t *testing.T) {
	t.Parallel()
	d := NewDecoder([]byte(`[1, "a", {}, [], null, true, -Infinity]`))
	_ = d.ReadArrayStart()
	want := []Kind{Number, String, Object, Array, Null, Bool, Number}
	for i := 0; ; i++ {
		k := d.PeekKind()
		if i == len(want) {
			if k != End {
				t.Errorf("PeekKind() at end = %v, want end", k)
			}
			break
		}
		if k != want[i] {
			t.Errorf("PeekKind() #%d = %v, want %v", i, k, want[i])
		}
		if !d.More() {
			t.Fatalf("More() #%d = false", i)
		}
		if err := d.Skip(); err != nil {
			t.Fatal(err)
		}
	}
}
