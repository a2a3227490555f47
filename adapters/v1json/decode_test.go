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

// sig builds a signature from name/datatype pairs.
func sig(pairs ...any) *Signature {
	s := &Signature{Name: DefaultSignatureName}
	for i := 0; i < len(pairs); i += 2 {
		s.Inputs = append(s.Inputs, adapters.TensorMetadata{Name: pairs[i].(string), DType: pairs[i+1].(adapters.DType)})
	}
	return s
}

func tensor(name string, dt adapters.DType, shape []int64, data adapters.TensorData) adapters.Tensor {
	return adapters.Tensor{Name: name, DType: dt, Shape: shape, Data: data}
}

func bytesOf(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func TestDecodePredictRequest(t *testing.T) {
	t.Parallel()
	nan32, inf32 := float32(math.NaN()), float32(math.Inf(1))
	tests := []struct {
		name   string
		body   string
		sig    *Signature
		format Format
		want   []adapters.Tensor
	}{
		// The cases of TF Serving's util/json_tensor_test.cc.
		{"single unnamed tensor", `{"instances": [[1,2],[3,4],[5,6]]}`, sig("default", adapters.Int32), Row,
			[]adapters.Tensor{tensor("default", adapters.Int32, []int64{3, 2}, adapters.TensorData{Int32: []int32{1, 2, 3, 4, 5, 6}})}},
		{"mixed input for float tensor", `{"instances": [1, 2.0, 3, 4, 5.003, 0.007, 0.0]}`, sig("default", adapters.FP32), Row,
			[]adapters.Tensor{tensor("default", adapters.FP32, []int64{7}, adapters.TensorData{FP32: []float32{1, 2, 3, 4, 5.003, 0.007, 0}})}},
		{"mixed input for double tensor", `{"instances": [1.0, 2, 3, 4, 0.662, 0, 0.0]}`, sig("default", adapters.FP64), Row,
			[]adapters.Tensor{tensor("default", adapters.FP64, []int64{7}, adapters.TensorData{FP64: []float64{1, 2, 3, 4, 0.662, 0, 0}})}},
		{"float precision loss", `{"instances": [1435774380]}`, sig("default", adapters.FP32), Row,
			[]adapters.Tensor{tensor("default", adapters.FP32, []int64{1}, adapters.TensorData{FP32: []float32{1435774380}})}},
		{"float beyond max is infinity", `{"instances": [1.7976931348623157e308, -1e39]}`, sig("default", adapters.FP32), Row,
			[]adapters.Tensor{tensor("default", adapters.FP32, []int64{2}, adapters.TensorData{FP32: []float32{inf32, -inf32}})}},
		{"base64 scalars", `{"instances": [ { "b64" : "aGVsbG8=" }, { "b64": "d29ybGQ=" } ]}`, sig("default", adapters.Bytes), Row,
			[]adapters.Tensor{tensor("default", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("hello", "world")})}},
		{"base64 lists", `{"instances": [ [{ "b64" : "aGVsbG8=" }], [{ "b64": "d29ybGQ=" }] ]}`, sig("default", adapters.Bytes), Row,
			[]adapters.Tensor{tensor("default", adapters.Bytes, []int64{2, 1}, adapters.TensorData{Bytes: bytesOf("hello", "world")})}},
		{"single named tensor with base64", `{"instances": [{"default": [ [{ "b64" : "aGVsbG8=" }], [{ "b64": "d29ybGQ=" }] ]}]}`,
			sig("default", adapters.Bytes), Row,
			[]adapters.Tensor{tensor("default", adapters.Bytes, []int64{1, 2, 1}, adapters.TensorData{Bytes: bytesOf("hello", "world")})}},
		{"multiple named tensors", `{"instances": [
				{"int_tensor": [[1,2],[3,4],[5,6]], "str_tensor": ["foo", "bar"], "float_tensor": [1.0, NaN], "dbl_tensor": [NaN]},
				{"int_tensor": [[7,8],[9,0],[1,2]], "str_tensor": ["baz", "bat"], "float_tensor": [2.0, Infinity], "dbl_tensor": [2.0]}]}`,
			sig("int_tensor", adapters.Int32, "str_tensor", adapters.Bytes, "float_tensor", adapters.FP32, "dbl_tensor", adapters.FP64), Row,
			[]adapters.Tensor{
				tensor("int_tensor", adapters.Int32, []int64{2, 3, 2}, adapters.TensorData{Int32: []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2}}),
				tensor("str_tensor", adapters.Bytes, []int64{2, 2}, adapters.TensorData{Bytes: bytesOf("foo", "bar", "baz", "bat")}),
				tensor("float_tensor", adapters.FP32, []int64{2, 2}, adapters.TensorData{FP32: []float32{1, nan32, 2, inf32}}),
				tensor("dbl_tensor", adapters.FP64, []int64{2, 1}, adapters.TensorData{FP64: []float64{math.NaN(), 2}}),
			}},
		{"columnar object with one input", `{"inputs": {"int_tensor": [[[1,2],[3,4],[5,6]]]}}`, sig("int_tensor", adapters.Int32), Columnar,
			[]adapters.Tensor{tensor("int_tensor", adapters.Int32, []int64{1, 3, 2}, adapters.TensorData{Int32: []int32{1, 2, 3, 4, 5, 6}})}},
		{"columnar bare value named from the signature", `{"inputs": [[[1,2],[3,4],[5,6]]]}`, sig("int_tensor", adapters.Int32), Columnar,
			[]adapters.Tensor{tensor("int_tensor", adapters.Int32, []int64{1, 3, 2}, adapters.TensorData{Int32: []int32{1, 2, 3, 4, 5, 6}})}},
		{"columnar multiple named tensors", `{"inputs": {"str_tensor": ["foo", "bar"], "int_tensor": [[[1,2],[3,4],[5,6]]],
				"bin_tensor": { "b64" : "aGVsbG8=" }, "ignored": true}}`,
			sig("int_tensor", adapters.Int32, "str_tensor", adapters.Bytes, "bin_tensor", adapters.Bytes), Columnar,
			[]adapters.Tensor{
				tensor("int_tensor", adapters.Int32, []int64{1, 3, 2}, adapters.TensorData{Int32: []int32{1, 2, 3, 4, 5, 6}}),
				tensor("str_tensor", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("foo", "bar")}),
				tensor("bin_tensor", adapters.Bytes, []int64{}, adapters.TensorData{Bytes: bytesOf("hello")}),
			}},
		// Without a signature, datatypes are inferred.
		{"inferred int64", `{"instances": [[1,2],[3,4]]}`, nil, Row,
			[]adapters.Tensor{tensor("inputs", adapters.Int64, []int64{2, 2}, adapters.TensorData{Int64: []int64{1, 2, 3, 4}})}},
		{"int64 promoted to fp64", `{"instances": [[1,2],[3,4.5]]}`, nil, Row,
			[]adapters.Tensor{tensor("inputs", adapters.FP64, []int64{2, 2}, adapters.TensorData{FP64: []float64{1, 2, 3, 4.5}})}},
		{"beyond int64 is fp64", `{"inputs": [1, 18446744073709551615]}`, nil, Columnar,
			[]adapters.Tensor{tensor("inputs", adapters.FP64, []int64{2}, adapters.TensorData{FP64: []float64{1, 18446744073709551615}})}},
		{"inferred kinds per input", `{"signature_name": "s", "inputs": {"s": ["a", {"b64": "/w=="}], "b": [[true], [false]], "f": NaN}}`, nil, Columnar,
			[]adapters.Tensor{
				tensor("s", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: [][]byte{[]byte("a"), {0xff}}}),
				tensor("b", adapters.Bool, []int64{2, 1}, adapters.TensorData{Bool: []bool{true, false}}),
				tensor("f", adapters.FP64, []int64{}, adapters.TensorData{FP64: []float64{math.NaN()}}),
			}},
		{"inferred row objects", `{"instances": [{"x": [1, 2], "label": "a"}, {"label": "b", "x": [3, 4]}]}`, nil, Row,
			[]adapters.Tensor{
				tensor("x", adapters.Int64, []int64{2, 2}, adapters.TensorData{Int64: []int64{1, 2, 3, 4}}),
				tensor("label", adapters.Bytes, []int64{2}, adapters.TensorData{Bytes: bytesOf("a", "b")}),
			}},
		{"no values to infer from", `{"instances": [[], []]}`, nil, Row,
			[]adapters.Tensor{tensor("inputs", adapters.FP64, []int64{2, 0}, adapters.TensorData{FP64: []float64{}})}},
		{"unpadded base64", `{"inputs": {"b64": "aGk"}}`, nil, Columnar,
			[]adapters.Tensor{tensor("inputs", adapters.Bytes, []int64{}, adapters.TensorData{Bytes: bytesOf("hi")})}},
		{"input named b64", `{"inputs": {"b64": 5}}`, nil, Columnar,
			[]adapters.Tensor{tensor("b64", adapters.Int64, []int64{}, adapters.TensorData{Int64: []int64{5}})}},
		{"narrow types with a signature", `{"inputs": {"u8": [0, 255], "i16": [-32768], "u64": [18446744073709551615], "b": [true]}}`,
			sig("u8", adapters.Uint8, "i16", adapters.Int16, "u64", adapters.Uint64, "b", adapters.Bool), Columnar,
			[]adapters.Tensor{
				tensor("u8", adapters.Uint8, []int64{2}, adapters.TensorData{Uint32: []uint32{0, 255}}),
				tensor("i16", adapters.Int16, []int64{1}, adapters.TensorData{Int32: []int32{-32768}}),
				tensor("u64", adapters.Uint64, []int64{1}, adapters.TensorData{Uint64: []uint64{math.MaxUint64}}),
				tensor("b", adapters.Bool, []int64{1}, adapters.TensorData{Bool: []bool{true}}),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodePredictRequest([]byte(tt.body), tt.sig)
			if err != nil {
				t.Fatalf("DecodePredictRequest error: %v", err)
			}
			if got.Format != tt.format {
				t.Errorf("Format = %v, want %v", got.Format, tt.format)
			}
			if diff := cmp.Diff(tt.want, got.Inputs, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("Inputs mismatch (-want +got):\n%s", diff)
			}
			for i := range got.Inputs {
				if err := got.Inputs[i].Validate(); err != nil {
					t.Errorf("decoded tensor does not validate: %v", err)
				}
			}
		})
	}
}

func TestDecodePredictRequestSignatureName(t *testing.T) {
	t.Parallel()
	s := sig("x", adapters.FP32)
	r, err := DecodePredictRequest([]byte(`{"instances": [1], "signature_name": "serving_default"}`), s)
	if err != nil || r.SignatureName != DefaultSignatureName {
		t.Errorf("DecodePredictRequest = %+v, %v, want signature serving_default", r, err)
	}
	_, err = DecodePredictRequest([]byte(`{"signature_name": "other", "instances": [1]}`), s)
	if want := `invalid input: Serving signature name: "other" not found in signature def`; !errors.Is(err, adapters.ErrInvalidInput) || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	var asked string
	lookupErr := errors.New("lookup failed")
	_, err = DecodePredictRequestFunc([]byte(`{"signature_name": "named", "instances": [1]}`), func(name string) (*Signature, error) {
		asked = name
		return nil, lookupErr
	})
	if asked != "named" || err != lookupErr {
		t.Errorf("lookup got %q and error %v, want named and the lookup's own error", asked, err)
	}
	_, err = DecodePredictRequest([]byte(`{"instances": [1]}`), &Signature{Name: "empty"})
	if err == nil || err.Error() != "invalid input: Failed to get input map for signature: DEFAULT" {
		t.Errorf("empty signature error = %v", err)
	}
}

func TestDecodePredictRequestErrors(t *testing.T) {
	t.Parallel()
	one := sig("default", adapters.Int32)
	two := sig("int_tensor", adapters.Int32, "str_tensor", adapters.Bytes)
	tests := []struct {
		name string
		body string
		sig  *Signature
		want string
	}{
		// TF Serving's SingleUnnamedTensorErrors and MultipleNamedTensorErrors.
		{"empty document", ``, one, `JSON Parse error: The document is empty`},
		{"signature_name not a string", `{"signature_name": 5, "instances": [[1,2],[3,4],[5,6,7]]}`, one,
			`JSON Value: {"signature_name":5,"instances":[[1,2],[3,4],[5,6,7]]} not formatted correctly. 'signature_name' key must be a string value.`},
		{"both keys", `{"instances": [[1,2]], "inputs": [[1,2]]}`, one,
			`JSON Value: {"instances":[[1,2]],"inputs":[[1,2]]} Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist `},
		{"tensor size", `{"instances": [[1,2],[3,4],[5,6,7]]}`, one,
			`Failed to process element: 2 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 2 but got: 3`},
		{"shape", `{"instances": [[1,2],[3,4],[[5,6]]]}`, one,
			`Failed to process element: 2 of 'instances' list. Error: INVALID_ARGUMENT: Expecting shape [2] but got: [1,2]`},
		{"scalar then list", `{"instances": [1, [1]]}`, one,
			`Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting shape [] but got: [1]`},
		{"type", `{"instances": [[1,2],["a", "b"]]}`, one,
			`Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: "a" Type: String is not of expected type: int32`},
		{"named shape", `{"instances": [{"int_tensor": [[1,2],[3,4],[5,6]], "str_tensor": ["foo", "bar"]},
			{"int_tensor": [[[7,8],[9,0],[1,2]]], "str_tensor": ["baz", "bat"]}]}`, two,
			`Failed to process element: 1 key: int_tensor of 'instances' list. Error: INVALID_ARGUMENT: Expecting shape [3,2] but got: [1,3,2]`},
		{"named size", `{"instances": [{"int_tensor": [[1,2],[3,4],[5,6],[7,8]], "str_tensor": ["foo", "bar"]},
			{"int_tensor": [[7,8],[9,0],[1,2]], "str_tensor": ["baz", "bat"]}]}`, two,
			`Failed to process element: 1 key: int_tensor of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 8 but got: 6`},
		{"object then list", `{"instances": [{"int_tensor": [[1,2]], "str_tensor": ["foo", "bar"]}, [1, 20, 30]]}`, two,
			`Expecting object but got list at item 1 of input list`},
		{"list then object", `{"instances": [["baz", "bar"], {"str_tensor": ["baz", "bat"]}]}`, sig("str_tensor", adapters.Bytes),
			`Expecting value/list but got object at item 1 of input list`},
		// Other TF messages (json_tensor.cc).
		{"not an object", `[1]`, one, `JSON Value: [1] Is not object`},
		{"syntax", `{"instances": [1,]}`, one, `JSON Parse error: invalid character ']' looking for beginning of value at offset: 17`},
		{"trailing bytes (TF ignores them)", `{"instances": [[1,2]]}X`, one, `JSON Parse error: invalid character 'X' after top-level value at offset: 22`},
		{"neither key", `{"signature_name": "x"}`, nil, `Missing 'inputs' or 'instances' key`},
		{"instances not a list", `{"instances": 5}`, one, `JSON Value: {"instances":5} Expecting 'instances' to be an list/array`},
		{"no instances", `{"instances": []}`, one, `JSON Value: {"instances":[]} No values in 'instances' array`},
		{"plain list for several inputs", `{"instances": [1]}`, two,
			`instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map`},
		{"plain value for several inputs", `{"inputs": [1]}`, two,
			`inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map`},
		{"missing named input", `{"inputs": {"int_tensor": [1]}}`, two, `Missing named input: str_tensor in 'inputs' object.`},
		{"unknown named input", `{"instances": [{"int_tensor": 1, "other": 2}]}`, two,
			`Failed to process element: 0 key: other of 'instances' list. Error: INVALID_ARGUMENT: JSON object: does not have named input: other`},
		{"keys differ", `{"instances": [{"int_tensor": 1}]}`, two,
			`Failed to process element: 0 of 'instances' list. JSON object: {"int_tensor":1} keys must be equal to: int_tensor,str_tensor`},
		{"list too deep", `{"inputs": [1, [2]]}`, one, `Encountered list at unexpected level: 1 expected < 1`},
		{"scalar too shallow", `{"inputs": [[1], 2]}`, one, `JSON Value: 2 found at incorrect level: 2 in the JSON DOM. Expected at level: 2`},
		{"list size", `{"inputs": [[1, 2], [3]]}`, one, `Encountered list at unexpected size: 1 at level: 1 expected size: 2`},
		{"fraction for int", `{"inputs": [1.5]}`, sig("x", adapters.Int64), `JSON Value: 1.5 Type: Number is not of expected type: int64`},
		{"int8 range", `{"inputs": [300]}`, sig("x", adapters.Int8), `JSON Value: 300 Type: Number is not of expected type: int8`},
		{"bool for float", `{"inputs": [true]}`, sig("x", adapters.FP32), `JSON Value: true Type: True is not of expected type: float`},
		{"null for string", `{"inputs": [null]}`, sig("x", adapters.Bytes), `JSON Value: null Type: Null is not of expected type: string`},
		{"object for int", `{"inputs": [{"b64": "aGk="}]}`, one, `JSON Value: {"b64":"aGk="} Type: Object is not of expected type: int32`},
		{"bad base64 object", `{"inputs": [{"b64": "aGk=", "x": 1}]}`, sig("x", adapters.Bytes), `JSON Value: {"b64":"aGk=","x":1} not formatted correctly for base64 data`},
		{"bad base64", `{"inputs": {"b64": "!!"}}`, sig("x", adapters.Bytes), `Unable to base64 decode`},
		{"fp16 signature", `{"inputs": [1]}`, sig("x", adapters.FP16), `Conversion of JSON Value: 1 to type: half is not supported`},
		{"fp16 signature, no values", `{"inputs": []}`, sig("x", adapters.FP16), `Conversion of JSON Value: [] to type: half is not supported`},
		{"mixed inferred kinds", `{"instances": [[1,2],["a", "b"]]}`, nil,
			`Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: "a" Type: String is not of expected type: int64 (input "inputs" was inferred as int64 from its first value)`},
		{"null inferred", `{"inputs": {"x": [1, null]}}`, nil, `JSON Value: null Type: Null is not a number, string or bool (input "x")`},
		{"inferred keys differ", `{"instances": [{"a": 1, "b": 2}, {"a": 2, "c": 5}]}`, nil,
			`Failed to process element: 1 of 'instances' list. JSON object: {"a":2,"c":5} keys must be equal to: a,b`},
		{"duplicate top-level key", `{"instances": [1], "instances": [2]}`, one, `duplicate key "instances" in the JSON object`},
		{"duplicate columnar key", `{"inputs": {"x": 1, "x": 2}}`, nil, `duplicate key "x" in 'inputs' object`},
		{"empty inputs object", `{"inputs": {}}`, nil, `JSON Value: {} 'inputs' object has no named tensors`},
		{"empty input name", `{"inputs": {"": 1}}`, nil, `empty tensor name in 'inputs' object`},
		{"empty instance key", `{"instances": [{"": 1}]}`, nil, `Failed to process element: 0 of 'instances' list. Error: empty tensor name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := DecodePredictRequest([]byte(tt.body), tt.sig)
			if err == nil {
				t.Fatalf("DecodePredictRequest = %+v, want error %q", r, tt.want)
			}
			if !errors.Is(err, adapters.ErrInvalidInput) {
				t.Errorf("error %v does not wrap ErrInvalidInput", err)
			}
			if got, want := err.Error(), "invalid input: "+tt.want; got != want {
				t.Errorf("error = %s\nwant    %s", got, want)
			}
		})
	}
}
