// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzJSONText checks Parse against encoding/json on arbitrary input: no
// panics; acceptance agrees except where this package is deliberately
// different (NaN/Infinity tokens, duplicate keys, depth, invalid UTF-8,
// which encoding/json accepts); accepted documents decode to the same values
// and re-encode stably; and Decoder.Skip agrees with Parse.
func FuzzJSONText(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1.5,NaN]}]}`,
		`{"instances":[[1,2],[3,4]],"signature_name":"serving_default"}`,
		`{"predictions":[{"b64":"aGVsbG8="}],"x":[-Infinity,1e400,-0.0]}`,
		`["\ud83d\ude00","\ud800","\u00e9\n",18446744073709551616,-9223372036854775809]`,
		`[[[[[]]]]]`, `{"a":{"a":{"a":null}}}`, `"x"`, `0`, `true`, ` `, `[1,]`, `{"a":1,"a":2}`,
		"\"\xff\"", `1e`, `-`, `{"a"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		skipErr := NewDecoder(data).skipDocument()
		if err != nil {
			checkRejection(t, data, err, skipErr)
			return
		}
		if skipErr != nil {
			t.Fatalf("Parse accepted %q but Skip rejected it: %v", data, skipErr)
		}
		out := v.AppendJSON(nil)
		v2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(AppendJSON) error %v on %q", err, out)
		}
		if out2 := v2.AppendJSON(nil); !bytes.Equal(out, out2) {
			t.Fatalf("AppendJSON not stable: %q then %q", out, out2)
		}
		if hasTokens(v) {
			return
		}
		var want any
		if err := json.Unmarshal(data, &want); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && strings.HasPrefix(te.Value, "number") {
				return // beyond float64: we give ±Inf, encoding/json an error
			}
			t.Fatalf("Parse accepted %q, encoding/json rejects it: %v", data, err)
		}
		if got := toAny(t, v); !equalJSON(got, want) {
			t.Fatalf("Parse(%q) = %#v, encoding/json gives %#v", data, got, want)
		}
	})
}

// skipDocument reads one value with Skip and checks nothing follows.
func (d *Decoder) skipDocument() error {
	if err := d.Skip(); err != nil {
		return err
	}
	return d.Finish()
}

func checkRejection(t *testing.T, data []byte, err, skipErr error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Parse(%q) error %v is not a *SyntaxError", data, err)
	}
	if se.Offset < 0 || se.Offset > len(data) {
		t.Fatalf("Parse(%q) error offset %d out of range", data, se.Offset)
	}
	dup := strings.HasPrefix(se.Msg, "duplicate object key")
	if skipErr == nil && !dup {
		t.Fatalf("Skip accepted %q but Parse rejected it: %v", data, err)
	}
	if !json.Valid(data) || dup || !utf8.Valid(data) || strings.Contains(se.Msg, "max depth") {
		return
	}
	t.Fatalf("Parse rejected %q (%v), encoding/json accepts it", data, err)
}

func hasTokens(v *Value) bool {
	switch v.Kind() {
	case Number:
		return v.text[len(v.text)-1] == 'N' || v.text[len(v.text)-1] == 'y'
	case Array:
		for i := range v.elems {
			if hasTokens(&v.elems[i]) {
				return true
			}
		}
	case Object:
		for i := range v.members {
			if hasTokens(&v.members[i].Value) {
				return true
			}
		}
	}
	return false
}

// toAny converts v to encoding/json's generic form.
func toAny(t *testing.T, v *Value) any {
	switch v.Kind() {
	case Null:
		return nil
	case Bool:
		return v.Bool()
	case Number:
		f, err := v.Float64()
		if err != nil {
			t.Fatalf("Float64(%s): %v", v.text, err)
		}
		return f
	case String:
		return v.Text()
	case Array:
		out := []any{}
		for i := range v.elems {
			out = append(out, toAny(t, &v.elems[i]))
		}
		return out
	case Object:
		out := map[string]any{}
		for _, m := range v.members {
			out[m.Name] = toAny(t, &m.Value)
		}
		return out
	}
	t.Fatalf("unexpected kind %v", v.Kind())
	return nil
}

func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case []any:
		bb, ok := b.([]any)
		if !ok || len(a) != len(bb) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], bb[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bb, ok := b.(map[string]any)
		if !ok || len(a) != len(bb) {
			return false
		}
		for k, v := range a {
			if !equalJSON(v, bb[k]) {
				return false
			}
		}
		return true
	case float64:
		bf, ok := b.(float64)
		return ok && (a == bf && math.Signbit(a) == math.Signbit(bf))
	}
	return a == b
}

// FuzzNumber checks the number fast paths against strconv for every literal
// that is valid JSON: the single-value parsers and the bulk array readers.
func FuzzNumber(f *testing.F) {
	for _, s := range append(floatLiterals, edgeLiterals...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := []byte(s)
		if _, err := scanWhole(raw); err != nil || !json.Valid(raw) || kindOf(raw[0]) != Number {
			return
		}
		want64, _ := strconv.ParseFloat(s, 64)
		if got, err := ParseFloat64(raw); err != nil || math.Float64bits(got) != math.Float64bits(want64) {
			t.Fatalf("ParseFloat64(%s) = %v, %v, want %v", s, got, err, want64)
		}
		want32, _ := strconv.ParseFloat(s, 32)
		if got, err := ParseFloat32(raw); err != nil || math.Float32bits(got) != math.Float32bits(float32(want32)) {
			t.Fatalf("ParseFloat32(%s) = %v, %v, want %v", s, got, err, float32(want32))
		}
		checkBulk(t, s, float32(want32), want64)
		wantI, errI := strconv.ParseInt(s, 10, 64)
		if got, err := ParseInt64(raw); (err == nil) != (errI == nil) || errI == nil && got != wantI {
			t.Fatalf("ParseInt64(%s) = %v, %v, want %v, %v", s, got, err, wantI, errI)
		}
		wantU, errU := strconv.ParseUint(strings.TrimPrefix(s, "-"), 10, 64)
		if strings.HasPrefix(s, "-") && wantU != 0 {
			errU = strconv.ErrRange
		}
		if got, err := ParseUint64(raw); (err == nil) != (errU == nil) || got != wantU && errU == nil {
			t.Fatalf("ParseUint64(%s) = %v, %v, want %v, %v", s, got, err, wantU, errU)
		}
	})
}

// checkBulk reads s with ReadFloat32s and ReadFloat64s at the start, in
// the middle and at the end of a long array, separated by "," and ", ", so
// that both their fast paths and the general one see it.
func checkBulk(t *testing.T, s string, want32 float32, want64 float64) {
	t.Helper()
	for _, sep := range []string{",", ", "} {
		fill := strings.Repeat("0.5"+sep, 20)
		data := []byte("[" + s + sep + fill + s + sep + fill + s + "]")
		d := NewDecoder(data)
		if err := d.ReadArrayStart(); err != nil {
			t.Fatal(err)
		}
		got, err := d.ReadFloat32s(nil, math.MaxInt)
		if err != nil || len(got) != 43 {
			t.Fatalf("ReadFloat32s(%s) = %d values, %v", data, len(got), err)
		}
		for _, i := range []int{0, 21, 42} {
			if math.Float32bits(got[i]) != math.Float32bits(want32) {
				t.Fatalf("ReadFloat32s read %s as %v, want %v", s, got[i], want32)
			}
		}
		d = NewDecoder(data)
		if err := d.ReadArrayStart(); err != nil {
			t.Fatal(err)
		}
		got64, err := d.ReadFloat64s(nil, math.MaxInt)
		if err != nil || len(got64) != 43 {
			t.Fatalf("ReadFloat64s(%s) = %d values, %v", data, len(got64), err)
		}
		for _, i := range []int{0, 21, 42} {
			if math.Float64bits(got64[i]) != math.Float64bits(want64) {
				t.Fatalf("ReadFloat64s read %s as %v, want %v", s, got64[i], want64)
			}
		}
	}
}
