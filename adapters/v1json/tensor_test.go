// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

func mustParse(t testing.TB, s string) *jsontext.Value {
	t.Helper()
	v, err := jsontext.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTensorFromValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		dt   adapters.DType
		want adapters.Tensor
	}{
		{"scalar", `3`, adapters.Invalid, tensor("y", adapters.Int64, []int64{}, adapters.TensorData{Int64: []int64{3}})},
		{"matrix promoted to fp64", `[[1, 2], [3, NaN]]`, adapters.Invalid,
			tensor("y", adapters.FP64, []int64{2, 2}, adapters.TensorData{FP64: []float64{1, 2, 3, math.NaN()}})},
		{"strings and b64", `["a", {"b64": "Yg=="}]`, adapters.Invalid,
			tensor("y", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("a", "b")})},
		{"bools", `[[true], [false]]`, adapters.Invalid, tensor("y", adapters.Bool, []int64{2, 1}, adapters.TensorData{Bool: []bool{true, false}})},
		{"empty list", `[]`, adapters.Invalid, tensor("y", adapters.FP64, []int64{0}, adapters.TensorData{FP64: []float64{}})},
		{"cast to fp32", `[1, 2.5]`, adapters.FP32, tensor("y", adapters.FP32, []int64{2}, adapters.TensorData{FP32: []float32{1, 2.5}})},
		{"cast to int8", `[[-128, 127]]`, adapters.Int8, tensor("y", adapters.Int8, []int64{1, 2}, adapters.TensorData{Int32: []int32{-128, 127}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := TensorFromValue("y", mustParse(t, tt.json), tt.dt)
			if err != nil {
				t.Fatalf("TensorFromValue(%s) error: %v", tt.json, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("TensorFromValue(%s) mismatch (-want +got):\n%s", tt.json, diff)
			}
		})
	}
}

func TestTensorFromValueErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		json string
		dt   adapters.DType
		want string
	}{
		{`[[1, 2], [3]]`, adapters.Invalid, `Encountered list at unexpected size: 1 at level: 1 expected size: 2`},
		{`[1, "a"]`, adapters.Invalid, `JSON Value: "a" Type: String is not of expected type: int64 (input "y" was inferred as int64 from its first value)`},
		{`[1.5]`, adapters.Int64, `JSON Value: 1.5 Type: Number is not of expected type: int64`},
		{`{"a": 1}`, adapters.Invalid, `JSON Value: {"a":1} not formatted correctly for base64 data`},
		{`[null]`, adapters.Invalid, `JSON Value: null Type: Null is not a number, string or bool (input "y")`},
		{`[1]`, adapters.FP16, `Conversion of JSON Value: [1] to type: half is not supported`},
	}
	for _, tt := range tests {
		_, err := TensorFromValue("y", mustParse(t, tt.json), tt.dt)
		if err == nil || err.Error() != tt.want {
			t.Errorf("TensorFromValue(%s, %v) error = %v, want %s", tt.json, tt.dt, err, tt.want)
		}
	}
	if _, err := TensorFromValue("y", nil, adapters.Invalid); err == nil {
		t.Error("TensorFromValue(nil) error = nil")
	}
}

func TestAppendTensorJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tensor    adapters.Tensor
		want, b64 string
	}{
		{tensor("x", adapters.FP32, []int64{2, 2}, adapters.TensorData{FP32: []float32{1, 0.5, float32(math.NaN()), float32(math.Inf(-1))}}),
			`[[1.0,0.5],[NaN,-Infinity]]`, `[[1.0,0.5],[NaN,-Infinity]]`},
		{tensor("s", adapters.Bytes, []int64{}, adapters.TensorData{Bytes: bytesOf("hi")}), `"hi"`, `{"b64":"aGk="}`},
		{tensor("s", adapters.Bytes, []int64{1, 2}, adapters.TensorData{Bytes: [][]byte{[]byte("a\""), {0xff}}}),
			`[["a\"","\ufffd"]]`, `[[{"b64":"YSI="},{"b64":"/w=="}]]`},
		{tensor("e", adapters.Int64, []int64{2, 0}, adapters.TensorData{Int64: []int64{}}), `[[],[]]`, `[[],[]]`},
		{tensor("u", adapters.Uint8, []int64{1}, adapters.TensorData{Uint32: []uint32{255}}), `[255]`, `[255]`},
	}
	for _, tt := range tests {
		got, err := AppendTensorJSON([]byte(">"), &tt.tensor)
		if err != nil || string(got) != ">"+tt.want {
			t.Errorf("AppendTensorJSON(%s) = %s, %v, want >%s", tt.tensor.Name, got, err, tt.want)
		}
		got, err = AppendTensorJSONB64(nil, &tt.tensor)
		if err != nil || string(got) != tt.b64 {
			t.Errorf("AppendTensorJSONB64(%s) = %s, %v, want %s", tt.tensor.Name, got, err, tt.b64)
		}
	}
	bad := tensor("x", adapters.FP32, []int64{2}, adapters.TensorData{FP32: []float32{1}})
	if _, err := AppendTensorJSON(nil, &bad); err == nil || err.Error() != `tensor "x": shape [2] needs 2 elements, data has 1` {
		t.Errorf("AppendTensorJSON(invalid) error = %v", err)
	}
}

// FuzzTensorFromValue: no panics; a converted tensor validates, and writing
// it with AppendTensorJSONB64 and converting back with its datatype gives it
// back.
func FuzzTensorFromValue(f *testing.F) {
	for _, s := range []string{`3`, `[[1,2],[3,NaN]]`, `["a",{"b64":"Yg=="}]`, `[[true],[false]]`, `[]`, `[[],[]]`,
		`[[1,2],[3]]`, `[1,"a"]`, `{"b64":"/w=="}`, `[1e400,-0.0]`, `[18446744073709551615]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := jsontext.Parse([]byte(s))
		if err != nil {
			return
		}
		got, err := TensorFromValue("y", v, adapters.Invalid)
		if err != nil {
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("TensorFromValue(%s) does not validate: %v", s, err)
		}
		out, err := AppendTensorJSONB64(nil, &got)
		if err != nil {
			t.Fatalf("AppendTensorJSONB64: %v", err)
		}
		back, err := TensorFromValue("y", mustParse(t, string(out)), got.DType)
		if err != nil {
			t.Fatalf("TensorFromValue(%s, %v) error: %v", out, got.DType, err)
		}
		if diff := cmp.Diff(got, back, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("round trip of %s via %s (-first +second):\n%s", s, out, diff)
		}
	})
}
