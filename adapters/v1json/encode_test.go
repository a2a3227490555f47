// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/adapters"
)

func TestAppendPredictResponse(t *testing.T) {
	t.Parallel()
	int3d := tensor("int_tensor", adapters.Int32, []int64{2, 3, 2}, adapters.TensorData{Int32: []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2}})
	tests := []struct {
		name    string
		format  Format
		outputs []adapters.Tensor
		want    string
	}{
		// TF Serving's FromJson* cases (json_tensor_test.cc).
		{"single tensor row", Row, []adapters.Tensor{int3d}, `{"predictions":[[[1,2],[3,4],[5,6]],[[7,8],[9,0],[1,2]]]}`},
		{"single tensor columnar", Columnar, []adapters.Tensor{int3d}, `{"outputs":[[[1,2],[3,4],[5,6]],[[7,8],[9,0],[1,2]]]}`},
		{"vector", Row, []adapters.Tensor{tensor("v", adapters.Int32, []int64{5}, adapters.TensorData{Int32: []int32{1, 2, 3, 4, 5}})},
			`{"predictions":[1,2,3,4,5]}`},
		{"bytes tensor", Row, []adapters.Tensor{tensor("str_tensor_bytes", adapters.Bytes, []int64{2, 2},
			adapters.TensorData{Bytes: bytesOf("hello", "world", "tf", "serving")})},
			`{"predictions":[[{"b64":"aGVsbG8="},{"b64":"d29ybGQ="}],[{"b64":"dGY="},{"b64":"c2VydmluZw=="}]]}`},
		{"six digit precision", Row, []adapters.Tensor{tensor("float_tensor", adapters.FP32, []int64{2, 3},
			adapters.TensorData{FP32: []float32{9000000, 999999, 0.5, .0003, .00003, 555557.5}})},
			`{"predictions":[[9e+06,999999.0,0.5],[0.0003,3e-05,555557.5]]}`},
		{"non-finite", Row, []adapters.Tensor{tensor("float_tensor", adapters.FP32, []int64{2, 2},
			adapters.TensorData{FP32: []float32{float32(math.NaN()), float32(math.Inf(1)), 3, float32(math.Inf(-1))}})},
			`{"predictions":[[NaN,Infinity],[3.0,-Infinity]]}`},
		{"multiple named tensors row", Row, []adapters.Tensor{
			tensor("float_tensor", adapters.FP32, []int64{2, 1}, adapters.TensorData{FP32: []float32{1, 2}}),
			tensor("str_tensor", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("foo", "bar")}),
		}, `{"predictions":[{"float_tensor":[1.0],"str_tensor":"foo"},{"float_tensor":[2.0],"str_tensor":"bar"}]}`},
		{"multiple named tensors columnar", Columnar, []adapters.Tensor{
			tensor("float_tensor", adapters.FP64, []int64{1}, adapters.TensorData{FP64: []float64{0.1}}),
			tensor("b", adapters.Bool, []int64{}, adapters.TensorData{Bool: []bool{true}}),
		}, `{"outputs":{"float_tensor":[0.1],"b":true}}`},
		{"zero batch", Row, []adapters.Tensor{tensor("x", adapters.Int64, []int64{0, 3}, adapters.TensorData{Int64: []int64{}})},
			`{"predictions":[]}`},
		{"zero batch, several tensors", Row, []adapters.Tensor{
			tensor("x", adapters.Int64, []int64{0, 3}, adapters.TensorData{Int64: []int64{}}),
			tensor("y", adapters.Int64, []int64{0}, adapters.TensorData{Int64: []int64{}}),
		}, `{"predictions":[]}`},
		{"invalid UTF-8 falls back to base64", Columnar, []adapters.Tensor{tensor("s", adapters.Bytes, []int64{2},
			adapters.TensorData{Bytes: [][]byte{[]byte("ok"), {0xff}}})}, `{"outputs":[{"b64":"b2s="},{"b64":"/w=="}]}`},
		{"unsigned and narrow", Columnar, []adapters.Tensor{tensor("u", adapters.Uint64, []int64{1}, adapters.TensorData{Uint64: []uint64{math.MaxUint64}})},
			`{"outputs":[18446744073709551615]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := AppendPredictResponse(nil, tt.format, tt.outputs)
			if err != nil || string(got) != tt.want {
				t.Errorf("AppendPredictResponse = %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
}

func TestAppendPredictErrors(t *testing.T) {
	t.Parallel()
	vec := tensor("a", adapters.Int32, []int64{2}, adapters.TensorData{Int32: []int32{1, 2}})
	tests := []struct {
		name    string
		format  Format
		tensors []adapters.Tensor
		want    string
	}{
		{"empty", Row, nil, "Cannot convert empty tensor map to JSON"},
		{"no shape", Row, []adapters.Tensor{tensor("s", adapters.Int32, []int64{}, adapters.TensorData{Int32: []int32{1}})},
			"Tensor name: s has no shape information "},
		{"inconsistent batch", Row, []adapters.Tensor{vec, tensor("b", adapters.Int32, []int64{3}, adapters.TensorData{Int32: []int32{1, 2, 3}})},
			"Tensor name: b has inconsistent batch size: 3 expecting: 2"},
		{"invalid format", 0, []adapters.Tensor{vec}, "Invalid request format"},
		{"invalid tensor", Columnar, []adapters.Tensor{tensor("a", adapters.Int32, []int64{3}, adapters.TensorData{Int32: []int32{1}})},
			`tensor "a": shape [3] needs 3 elements, data has 1`},
		{"too many empty lists", Columnar, []adapters.Tensor{tensor("a", adapters.Int32, []int64{math.MaxInt32, 0}, adapters.TensorData{})},
			`tensor "a": shape [2147483647 0] is too large to write as nested JSON lists`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := AppendPredictResponse(nil, tt.format, tt.tensors)
			if !errors.Is(err, adapters.ErrInvalidInput) || err.Error() != "invalid input: "+tt.want {
				t.Errorf("AppendPredictResponse error = %v, want invalid input: %s", err, tt.want)
			}
			if tt.tensors == nil {
				return
			}
			_, err = AppendPredictRequest(nil, tt.format, "", tt.tensors)
			if !errors.Is(err, adapters.ErrInvalidInput) || err.Error() != "invalid input: "+tt.want {
				t.Errorf("AppendPredictRequest error = %v, want invalid input: %s", err, tt.want)
			}
		})
	}
}

func TestAppendPredictRequest(t *testing.T) {
	t.Parallel()
	inputs := []adapters.Tensor{
		tensor("x", adapters.FP32, []int64{2, 2}, adapters.TensorData{FP32: []float32{1, 2.5, 3, 4}}),
		tensor("img_bytes", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("a", "b")}),
	}
	got, err := AppendPredictRequest(nil, Row, "sig", inputs)
	want := `{"signature_name":"sig","instances":[{"x":[1.0,2.5],"img_bytes":{"b64":"YQ=="}},{"x":[3.0,4.0],"img_bytes":{"b64":"Yg=="}}]}`
	if err != nil || string(got) != want {
		t.Errorf("AppendPredictRequest(row) = %s, %v\nwant %s", got, err, want)
	}
	got, err = AppendPredictRequest([]byte("keep"), Columnar, "", inputs[:1])
	if want := `keep{"inputs":[[1.0,2.5],[3.0,4.0]]}`; err != nil || string(got) != want {
		t.Errorf("AppendPredictRequest(columnar) = %s, %v\nwant %s", got, err, want)
	}
}

func TestDecodePredictResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		format Format
		names  []string
		want   []adapters.Tensor
	}{
		{"row, one output named by the caller", `{"predictions": [[0.1, 0.9], [0.7, 0.3]]}`, Row, []string{"probs"},
			[]adapters.Tensor{tensor("probs", adapters.FP64, []int64{2, 2}, adapters.TensorData{FP64: []float64{0.1, 0.9, 0.7, 0.3}})}},
		{"row, default name", `{"predictions": [1, 2]}`, Row, nil,
			[]adapters.Tensor{tensor("output-0", adapters.Int64, []int64{2}, adapters.TensorData{Int64: []int64{1, 2}})}},
		{"row, named outputs", `{"predictions": [{"label": "cat", "score": NaN}, {"label": "dog", "score": 1.0}]}`, Row, nil,
			[]adapters.Tensor{
				tensor("label", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("cat", "dog")}),
				tensor("score", adapters.FP64, []int64{2}, adapters.TensorData{FP64: []float64{math.NaN(), 1}}),
			}},
		{"row, bytes outputs", `{"predictions": [{"b64": "aGk="}]}`, Row, []string{"out_bytes"},
			[]adapters.Tensor{tensor("out_bytes", adapters.Bytes, []int64{1}, adapters.TensorData{Bytes: bytesOf("hi")})}},
		{"row, zero batch", `{"predictions": []}`, Row, []string{"y"},
			[]adapters.Tensor{tensor("y", adapters.FP64, []int64{0}, adapters.TensorData{FP64: []float64{}})}},
		{"columnar, bare value", `{"outputs": [[true]]}`, Columnar, []string{"", "ignored"},
			[]adapters.Tensor{tensor("output-0", adapters.Bool, []int64{1, 1}, adapters.TensorData{Bool: []bool{true}})}},
		{"columnar, named outputs", `{"outputs": {"a": [1, 2, 3], "b": -Infinity}}`, Columnar, nil,
			[]adapters.Tensor{
				tensor("a", adapters.Int64, []int64{3}, adapters.TensorData{Int64: []int64{1, 2, 3}}),
				tensor("b", adapters.FP64, []int64{}, adapters.TensorData{FP64: []float64{math.Inf(-1)}}),
			}},
		{"KServe v1 answers predictions to columnar requests", `{"predictions": [[1, 2]]}`, Columnar, nil,
			[]adapters.Tensor{tensor("output-0", adapters.Int64, []int64{1, 2}, adapters.TensorData{Int64: []int64{1, 2}})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodePredictResponse([]byte(tt.body), tt.format, tt.names)
			if err != nil {
				t.Fatalf("DecodePredictResponse error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodePredictResponseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		format     Format
		want       string
	}{
		{"error body", `{"error": "Servable not found"}`, Row, `missing 'predictions' key in the response`},
		{"error body, columnar", `{"error": "x"}`, Columnar, `missing 'outputs' key in the response`},
		{"both", `{"predictions": [1], "outputs": [1]}`, Row, `response has both 'predictions' and 'outputs'`},
		{"ragged", `{"predictions": [[1, 2], [3]]}`, Row, `Failed to process element: 1 of 'predictions' list. Error: INVALID_ARGUMENT: Expecting tensor size: 2 but got: 1`},
		{"not JSON", `<html>`, Row, `JSON Parse error: invalid character '<' looking for beginning of value at offset: 0`},
		{"predictions not a list", `{"predictions": {"a": 1}}`, Row, `JSON Value: {"a":1} Expecting 'predictions' to be an list/array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodePredictResponse([]byte(tt.body), tt.format, nil)
			if !errors.Is(err, adapters.ErrBadUpstream) || err.Error() != "bad upstream response: "+tt.want {
				t.Errorf("error = %v\nwant bad upstream response: %s", err, tt.want)
			}
		})
	}
}

// TestRoundTrip encodes every datatype in both formats and decodes it back
// with a signature that names the datatypes.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ts := []adapters.Tensor{
		tensor("b", adapters.Bool, []int64{2}, adapters.TensorData{Bool: []bool{true, false}}),
		tensor("u8", adapters.Uint8, []int64{2, 1}, adapters.TensorData{Uint32: []uint32{0, 255}}),
		tensor("u16", adapters.Uint16, []int64{2}, adapters.TensorData{Uint32: []uint32{1, 65535}}),
		tensor("u32", adapters.Uint32, []int64{2}, adapters.TensorData{Uint32: []uint32{1, math.MaxUint32}}),
		tensor("u64", adapters.Uint64, []int64{2}, adapters.TensorData{Uint64: []uint64{1, math.MaxUint64}}),
		tensor("i8", adapters.Int8, []int64{2}, adapters.TensorData{Int32: []int32{-128, 127}}),
		tensor("i16", adapters.Int16, []int64{2}, adapters.TensorData{Int32: []int32{-32768, 32767}}),
		tensor("i32", adapters.Int32, []int64{2}, adapters.TensorData{Int32: []int32{math.MinInt32, math.MaxInt32}}),
		tensor("i64", adapters.Int64, []int64{2}, adapters.TensorData{Int64: []int64{math.MinInt64, math.MaxInt64}}),
		tensor("f32", adapters.FP32, []int64{2, 2, 1}, adapters.TensorData{FP32: []float32{0.1, float32(math.NaN()), -math.MaxFloat32, 1e-45}}),
		tensor("f64", adapters.FP64, []int64{2}, adapters.TensorData{FP64: []float64{math.Inf(-1), 5e-324}}),
		tensor("s", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("é\"\n", "")}),
		tensor("raw_bytes", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: [][]byte{{0, 0xff}, {}}}),
	}
	s := &Signature{}
	for _, t := range ts {
		s.Inputs = append(s.Inputs, adapters.TensorMetadata{Name: t.Name, DType: t.DType})
	}
	for _, format := range []Format{Row, Columnar} {
		body, err := AppendPredictRequest(nil, format, "", ts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DecodePredictRequest(body, s)
		if err != nil {
			t.Fatalf("%v: DecodePredictRequest error: %v\nbody: %s", format, err, body)
		}
		if diff := cmp.Diff(ts, r.Inputs, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%v round trip mismatch (-want +got):\n%s", format, diff)
		}
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, f := range []Format{Row, Columnar} {
		if got, err := ParseFormat(f.String()); got != f || err != nil {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := ParseFormat("rows"); err == nil {
		t.Error(`ParseFormat("rows") error = nil`)
	}
	if got := Format(0).String(); got != "invalid" {
		t.Errorf("Format(0).String() = %q, want invalid", got)
	}
}
