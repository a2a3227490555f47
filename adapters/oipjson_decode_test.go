// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// equateNaN makes NaN equal to NaN in both float widths.
func equateNaN() cmp.Option { return cmpopts.EquateNaNs() }

func TestDecodeRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want *Request
	}{
		{
			name: "OIP spec example with nested data",
			body: `{"id": "42", "inputs": [{"name": "input0", "shape": [2, 2], "datatype": "UINT32", "data": [[1, 2], [4, 5]]},
				{"name": "input1", "shape": [3], "datatype": "BOOL", "data": [true, false, true]}],
				"outputs": [{"name": "output0"}]}`,
			want: &Request{ID: "42", Inputs: []Tensor{
				{Name: "input0", DType: Uint32, Shape: []int64{2, 2}, Data: TensorData{Uint32: []uint32{1, 2, 4, 5}}},
				{Name: "input1", DType: Bool, Shape: []int64{3}, Data: TensorData{Bool: []bool{true, false, true}}},
			}, Outputs: []OutputSpec{{Name: "output0"}}},
		},
		{
			name: "flat data for a matrix",
			body: `{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2.5,-3e2,0.1]}]}`,
			want: &Request{Inputs: []Tensor{{Name: "x", DType: FP32, Shape: []int64{2, 2},
				Data: TensorData{FP32: []float32{1, 2.5, -300, 0.1}}}}},
		},
		{
			name: "data before shape and datatype",
			body: `{"inputs":[{"data":[[1],[2]],"name":"x","datatype":"INT64","shape":[2,1]}]}`,
			want: &Request{Inputs: []Tensor{{Name: "x", DType: Int64, Shape: []int64{2, 1},
				Data: TensorData{Int64: []int64{1, 2}}}}},
		},
		{
			name: "narrow and wide integers at their limits",
			body: `{"inputs":[
				{"name":"i8","shape":[2],"datatype":"INT8","data":[-128,127]},
				{"name":"i16","shape":[2],"datatype":"INT16","data":[-32768,32767]},
				{"name":"i32","shape":[2],"datatype":"INT32","data":[-2147483648,2147483647]},
				{"name":"i64","shape":[2],"datatype":"INT64","data":[-9223372036854775808,9223372036854775807]},
				{"name":"u8","shape":[2],"datatype":"UINT8","data":[0,255]},
				{"name":"u16","shape":[2],"datatype":"UINT16","data":[0,65535]},
				{"name":"u32","shape":[2],"datatype":"UINT32","data":[0,4294967295]},
				{"name":"u64","shape":[2],"datatype":"UINT64","data":[0,18446744073709551615]}]}`,
			want: &Request{Inputs: []Tensor{
				{Name: "i8", DType: Int8, Shape: []int64{2}, Data: TensorData{Int32: []int32{-128, 127}}},
				{Name: "i16", DType: Int16, Shape: []int64{2}, Data: TensorData{Int32: []int32{-32768, 32767}}},
				{Name: "i32", DType: Int32, Shape: []int64{2}, Data: TensorData{Int32: []int32{math.MinInt32, math.MaxInt32}}},
				{Name: "i64", DType: Int64, Shape: []int64{2}, Data: TensorData{Int64: []int64{math.MinInt64, math.MaxInt64}}},
				{Name: "u8", DType: Uint8, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, 255}}},
				{Name: "u16", DType: Uint16, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, 65535}}},
				{Name: "u32", DType: Uint32, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, math.MaxUint32}}},
				{Name: "u64", DType: Uint64, Shape: []int64{2}, Data: TensorData{Uint64: []uint64{0, math.MaxUint64}}},
			}},
		},
		{
			name: "floats with non-finite tokens and overflow",
			body: `{"inputs":[{"name":"f","shape":[5],"datatype":"FP64","data":[NaN,Infinity,-Infinity,1e400,-0.0]},
				{"name":"g","shape":[2],"datatype":"FP32","data":[1e39,16777217]}]}`,
			want: &Request{Inputs: []Tensor{
				{Name: "f", DType: FP64, Shape: []int64{5}, Data: TensorData{FP64: []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Inf(1), math.Copysign(0, -1)}}},
				{Name: "g", DType: FP32, Shape: []int64{2}, Data: TensorData{FP32: []float32{float32(math.Inf(1)), 16777216}}},
			}},
		},
		{
			name: "bytes as strings with escapes",
			body: `{"inputs":[{"name":"s","shape":[1,3],"datatype":"BYTES","data":[["hello","\u00e9\n",""]]}]}`,
			want: &Request{Inputs: []Tensor{{Name: "s", DType: Bytes, Shape: []int64{1, 3},
				Data: TensorData{Bytes: [][]byte{[]byte("hello"), []byte("é\n"), {}}}}}},
		},
		{
			name: "scalar and empty tensors",
			body: `{"inputs":[{"name":"s","shape":[],"datatype":"FP32","data":[7]},
				{"name":"e","shape":[0,3],"datatype":"INT32","data":[]},
				{"name":"n","shape":[2,0],"datatype":"BOOL","data":[[],[]]}]}`,
			want: &Request{Inputs: []Tensor{
				{Name: "s", DType: FP32, Shape: []int64{}, Data: TensorData{FP32: []float32{7}}},
				{Name: "e", DType: Int32, Shape: []int64{0, 3}, Data: TensorData{Int32: []int32{}}},
				{Name: "n", DType: Bool, Shape: []int64{2, 0}, Data: TensorData{Bool: []bool{}}},
			}},
		},
		{
			name: "parameters of every scalar type",
			body: `{"parameters":{"s":"x","b":false,"i":-3,"big":9223372036854775808,"f":1.5,"e":1e2,"nan":NaN},
				"inputs":[{"name":"x","shape":[1],"datatype":"INT32","parameters":{"content_type":"np"},"data":[1]}],
				"outputs":[{"name":"y","parameters":{"binary_data":false}}]}`,
			want: &Request{
				Parameters: Parameters{"s": "x", "b": false, "i": int64(-3), "big": 9223372036854775808.0, "f": 1.5, "e": 100.0, "nan": math.NaN()},
				Inputs: []Tensor{{Name: "x", DType: Int32, Shape: []int64{1}, Data: TensorData{Int32: []int32{1}},
					Parameters: Parameters{"content_type": "np"}}},
				Outputs: []OutputSpec{{Name: "y", Parameters: Parameters{"binary_data": false}}},
			},
		},
		{
			name: "unknown members are ignored, empty optionals are nil",
			body: `{"model_name":"ignored","inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true],"extra":{"a":[1]}}],
				"parameters":{},"outputs":[],"id":""}`,
			want: &Request{Inputs: []Tensor{{Name: "x", DType: Bool, Shape: []int64{1}, Data: TensorData{Bool: []bool{true}}}}},
		},
		{
			name: "null parameters object",
			body: `{"parameters":null,"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[false],"parameters":null}]}`,
			want: &Request{Inputs: []Tensor{{Name: "x", DType: Bool, Shape: []int64{1}, Data: TensorData{Bool: []bool{false}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeRequest([]byte(tt.body))
			if err != nil {
				t.Fatalf("DecodeRequest error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, equateNaN()); diff != "" {
				t.Errorf("DecodeRequest mismatch (-want +got):\n%s", diff)
			}
			for i := range got.Inputs {
				if err := got.Inputs[i].Validate(); err != nil {
					t.Errorf("decoded tensor does not validate: %v", err)
				}
			}
		})
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	t.Parallel()
	in := func(tensor string) string { return `{"inputs":[` + tensor + `]}` }
	tests := []struct {
		name, body, want string
	}{
		{"not an object", `[1]`, `request: found array, want object`},
		{"syntax error", `{"inputs":[}`, `JSON syntax error at offset 11: invalid character '}' looking for beginning of value`},
		{"trailing bytes", `{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}]} x`, `JSON syntax error at offset 70: invalid character 'x' after top-level value`},
		{"no inputs", `{"id":"1"}`, `inputs: missing`},
		{"empty inputs", `{"inputs":[]}`, `inputs: must not be empty`},
		{"inputs not an array", `{"inputs":{}}`, `inputs: found object, want array`},
		{"duplicate top-level key", `{"id":"a","id":"b","inputs":[]}`, `request: duplicate key "id"`},
		{"duplicate unknown key", `{"x":1,"x":2,"inputs":[]}`, `request: duplicate key "x"`},
		{"id not a string", `{"id":5,"inputs":[]}`, `id: found number, want string`},
		{"missing name", in(`{"shape":[1],"datatype":"BOOL","data":[true]}`), `inputs[0].name: missing`},
		{"empty name", in(`{"name":"","shape":[1],"datatype":"BOOL","data":[true]}`), `inputs[0].name: must not be empty`},
		{"missing shape", `{"inputs":[{"name":"a","shape":[1],"datatype":"BOOL","data":[true]},{"name":"x","datatype":"BOOL","data":[true]}]}`, `inputs[1].shape: missing`},
		{"missing datatype", in(`{"name":"x","shape":[1],"data":[true]}`), `inputs[0].datatype: missing`},
		{"missing data", in(`{"name":"x","shape":[1],"datatype":"BOOL"}`), `inputs[0].data: missing`},
		{"binary data", in(`{"name":"x","shape":[1],"datatype":"BOOL","parameters":{"binary_data_size":1}}`), `input "x": has binary_data_size but no data, and the body has no binary part (Inference-Header-Content-Length header)`},
		{"unknown datatype", in(`{"name":"x","shape":[1],"datatype":"fp32","data":[1]}`), `inputs[0].datatype: unknown datatype "fp32"`},
		{"FP16", in(`{"name":"x","shape":[1],"datatype":"FP16","data":[1]}`), `inputs[0].datatype: FP16 is not supported (no adapter can carry it, in JSON or binary); use FP32`},
		{"BF16", in(`{"name":"x","shape":[1],"datatype":"BF16","data":[1]}`), `inputs[0].datatype: BF16 is not supported (no adapter can carry it, in JSON or binary); use FP32`},
		{"negative dimension", in(`{"name":"x","shape":[2,-1],"datatype":"BOOL","data":[]}`), `inputs[0].shape[1]: -1 is negative`},
		{"fractional dimension", in(`{"name":"x","shape":[1.5],"datatype":"BOOL","data":[]}`), `inputs[0].shape[0]: 1.5 is not an integer dimension`},
		{"string dimension", in(`{"name":"x","shape":["2"],"datatype":"BOOL","data":[]}`), `inputs[0].shape[0]: "2" is not an integer dimension`},
		{"shape overflow", in(`{"name":"x","shape":[65536,65536],"datatype":"BOOL","data":[]}`), `inputs[0].shape: [65536 65536]: shape has too many elements (limit 2147483647)`},
		{"too few elements", in(`{"name":"x","shape":[2,2],"datatype":"INT32","data":[1,2,3]}`), `input "x": data has 3 elements, shape [2 2] needs 4`},
		{"too many elements", in(`{"name":"x","shape":[2],"datatype":"INT32","data":[1,2,3]}`), `input "x": data has more elements than shape [2] needs (2)`},
		{"huge shape, tiny body", in(`{"name":"x","shape":[2147483647],"datatype":"FP32","data":[1]}`), `input "x": data has 1 elements, shape [2147483647] needs 2147483647`},
		{"ragged nesting", in(`{"name":"x","shape":[2,2],"datatype":"INT32","data":[[1,2,3],[4]]}`), `input "x": data: an array at nesting level 2 has 3 elements, shape [2 2] needs 2`},
		{"nesting against shape", in(`{"name":"x","shape":[4],"datatype":"INT32","data":[[1,2],[3,4]]}`), `input "x": data is nested deeper than shape [4]`},
		{"mixed nesting", in(`{"name":"x","shape":[2,1],"datatype":"INT32","data":[1,[2]]}`), `input "x": data mixes scalars and arrays at the top level`},
		{"mixed nesting, array first", in(`{"name":"x","shape":[2,1],"datatype":"INT32","data":[[1],2]}`), `input "x": data mixes scalars and arrays at the top level`},
		{"scalar too shallow", in(`{"name":"x","shape":[1,1,2],"datatype":"INT32","data":[[1,2]]}`), `input "x": data: scalar at nesting level 2, shape [1 1 2] has rank 3`},
		{"data not an array", in(`{"name":"x","shape":[1],"datatype":"INT32","data":5}`), `input "x": data: found number, want array`},
		{"INT8 out of range", in(`{"name":"x","shape":[4],"datatype":"INT8","data":[1,2,300,4]}`), `input "x": element 2: 300 is out of range for INT8`},
		{"UINT8 negative", in(`{"name":"x","shape":[1],"datatype":"UINT8","data":[-1]}`), `input "x": element 0: -1 is not a UINT8`},
		{"UINT16 out of range", in(`{"name":"x","shape":[1],"datatype":"UINT16","data":[65536]}`), `input "x": element 0: 65536 is out of range for UINT16`},
		{"INT32 fraction", in(`{"name":"x","shape":[4],"datatype":"INT32","data":[1,2,3,1.5]}`), `input "x": element 3: 1.5 is not an INT32`},
		{"INT64 overflow", in(`{"name":"x","shape":[1],"datatype":"INT64","data":[9223372036854775808]}`), `input "x": element 0: 9223372036854775808 is not an INT64`},
		{"INT64 exponent", in(`{"name":"x","shape":[1],"datatype":"INT64","data":[1e3]}`), `input "x": element 0: 1e3 is not an INT64`},
		{"UINT64 overflow", in(`{"name":"x","shape":[1],"datatype":"UINT64","data":[18446744073709551616]}`), `input "x": element 0: 18446744073709551616 is not a UINT64`},
		{"FP32 string", in(`{"name":"x","shape":[2],"datatype":"FP32","data":[1,"2"]}`), `input "x": element 1: "2" is not an FP32`},
		{"FP64 null", in(`{"name":"x","shape":[1],"datatype":"FP64","data":[null]}`), `input "x": element 0: null is not an FP64`},
		{"BOOL number", in(`{"name":"x","shape":[3],"datatype":"BOOL","data":[true,false,1]}`), `input "x": element 2: 1 is not a BOOL`},
		{"BYTES number", in(`{"name":"x","shape":[1],"datatype":"BYTES","data":[5]}`), `input "x": element 0: 5 is not a BYTES string`},
		{"BYTES object", in(`{"name":"x","shape":[1],"datatype":"BYTES","data":[{"b64":"aGk="}]}`), `input "x": element 0: {"b64":"aGk="} is not a BYTES string`},
		{"duplicate tensor key", in(`{"name":"x","name":"y","shape":[1],"datatype":"BOOL","data":[true]}`), `inputs[0]: duplicate key "name"`},
		{"duplicate input name", `{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]},{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}]}`, `inputs[1].name: duplicate input "x"`},
		{"nested parameter", `{"parameters":{"n":{"a":1}},"inputs":[]}`, `parameters: "n": found object, want a string, number or bool`},
		{"null parameter", `{"parameters":{"n":null},"inputs":[]}`, `parameters: "n": found null, want a string, number or bool`},
		{"array parameter on a tensor", in(`{"name":"x","shape":[1],"datatype":"BOOL","data":[true],"parameters":{"l":[1]}}`), `inputs[0].parameters: "l": found array, want a string, number or bool`},
		{"duplicate parameter", `{"parameters":{"a":1,"a":2},"inputs":[]}`, `parameters: duplicate key "a"`},
		{"output without name", `{"inputs":[],"outputs":[{}]}`, `outputs[0].name: missing`},
		{"duplicate output", `{"inputs":[],"outputs":[{"name":"y"},{"name":"y"}]}`, `outputs[1].name: duplicate output "y"`},
		{"syntax error in deferred data", in(`{"data":[1,],"name":"x","shape":[1],"datatype":"INT32"}`), `JSON syntax error at offset 22: invalid character ']' looking for beginning of value`},
		{"deep nesting", in(`{"name":"x","shape":[1],"datatype":"INT32","data":` + deepArray(300) + `}`), `input "x": data is nested deeper than shape [1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := DecodeRequest([]byte(tt.body))
			if err == nil {
				t.Fatalf("DecodeRequest = %+v, want error %q", r, tt.want)
			}
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("error %v does not wrap ErrInvalidInput", err)
			}
			if got, want := err.Error(), "invalid input: "+tt.want; got != want {
				t.Errorf("error = %s\nwant    %s", got, want)
			}
		})
	}
}

func deepArray(n int) string {
	b := make([]byte, 0, 2*n)
	for range n {
		b = append(b, '[')
	}
	for range n {
		b = append(b, ']')
	}
	return string(b)
}

// TestDecodeRequestBoundsAllocation checks that a small body claiming a huge
// shape does not make the decoder allocate for the shape.
func TestDecodeRequestBoundsAllocation(t *testing.T) {
	body := []byte(`{"inputs":[{"name":"x","shape":[2147483647],"datatype":"FP64","data":[1,2,3]}]}`)
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := DecodeRequest(body); err == nil {
			t.Fatal("DecodeRequest succeeded, want a count error")
		}
	})
	var before, after runtimeMem
	before.read()
	for range 10 {
		_, _ = DecodeRequest(body)
	}
	after.read()
	if perCall := (after.total - before.total) / 10; perCall > 64<<10 {
		t.Errorf("DecodeRequest allocated %d bytes per call for a %d-byte body, want < 64 KiB", perCall, len(body))
	}
	if allocs > 40 {
		t.Errorf("DecodeRequest made %v allocations, want ≤ 40", allocs)
	}
}

func TestDecodeResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want *Response
	}{
		{
			name: "KServe Python with null optionals",
			body: `{"model_name":"m","model_version":null,"id":"1","parameters":null,
				"outputs":[{"name":"y","shape":[2],"datatype":"FP32","parameters":null,"data":[0.5,NaN]}]}`,
			want: &Response{ID: "1", Model: ModelRef{Name: "m"}, Outputs: []Tensor{{Name: "y", DType: FP32, Shape: []int64{2},
				Data: TensorData{FP32: []float32{0.5, float32(math.NaN())}}}}},
		},
		{
			name: "MLServer with non-scalar parameters dropped",
			body: `{"model_name":"m","id":"x","parameters":{"content_type":"np","headers":{"a":"b"},"n":null},
				"outputs":[{"name":"y","shape":[1,2],"datatype":"INT64","parameters":{"content_type":"np","headers":null},"data":[[1,2]]}]}`,
			want: &Response{ID: "x", Model: ModelRef{Name: "m"}, Parameters: Parameters{"content_type": "np"},
				Outputs: []Tensor{{Name: "y", DType: Int64, Shape: []int64{1, 2}, Data: TensorData{Int64: []int64{1, 2}},
					Parameters: Parameters{"content_type": "np"}}}},
		},
		{
			name: "Triton with numeric-looking version",
			body: `{"model_name":"simple","model_version":"1","outputs":[{"name":"OUTPUT0","datatype":"BYTES","shape":[1],"data":["ok"]}]}`,
			want: &Response{Model: ModelRef{Name: "simple", Version: "1"}, Outputs: []Tensor{{Name: "OUTPUT0", DType: Bytes,
				Shape: []int64{1}, Data: TensorData{Bytes: [][]byte{[]byte("ok")}}}}},
		},
		{
			name: "version as a number, no outputs",
			body: `{"model_name":"m","model_version":3,"outputs":null}`,
			want: &Response{Model: ModelRef{Name: "m", Version: "3"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeResponse([]byte(tt.body))
			if err != nil {
				t.Fatalf("DecodeResponse error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, equateNaN()); diff != "" {
				t.Errorf("DecodeResponse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeResponseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, want string }{
		{"html", `<html>`, `JSON syntax error at offset 0: invalid character '<' looking for beginning of value`},
		{"error body", `{"error":"boom"}`, ``},
		{"wrong count", `{"outputs":[{"name":"y","shape":[3],"datatype":"FP32","data":[1]}]}`, `output "y": data has 1 elements, shape [3] needs 3`},
		{"FP16 output", `{"outputs":[{"name":"y","shape":[1],"datatype":"FP16","data":[1]}]}`, `outputs[0].datatype: FP16 is not supported (no adapter can carry it, in JSON or binary); use FP32`},
		{"binary output", `{"outputs":[{"name":"y","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":4}}]}`, `output "y": binary tensor data is not supported`},
		{"model_name not a string", `{"model_name":["m"]}`, `model_name: found array, want string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := DecodeResponse([]byte(tt.body))
			if tt.want == "" {
				// Unknown members are ignored: a body without outputs decodes empty.
				if err != nil || len(r.Outputs) != 0 {
					t.Fatalf("DecodeResponse = %+v, %v, want an empty response", r, err)
				}
				return
			}
			if !errors.Is(err, ErrBadUpstream) {
				t.Fatalf("DecodeResponse error = %v, want one wrapping ErrBadUpstream", err)
			}
			if got, want := err.Error(), "bad upstream response: "+tt.want; got != want {
				t.Errorf("error = %s\nwant    %s", got, want)
			}
		})
	}
}
