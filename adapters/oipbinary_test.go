// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestDecodeRequestBinaryTritonExample decodes the example of Triton's
// extension_binary_data.md (PROTOCOLS.md §6.4): a UINT32 [2,2] input of 16
// bytes and a BOOL [3] input of 3 bytes after the JSON.
func TestDecodeRequestBinaryTritonExample(t *testing.T) {
	t.Parallel()
	head := `{"inputs":[` +
		`{"name":"input0","shape":[2,2],"datatype":"UINT32","parameters":{"binary_data_size":16}},` +
		`{"name":"input1","shape":[3],"datatype":"BOOL","parameters":{"binary_data_size":3}}],` +
		`"outputs":[{"name":"output0","parameters":{"binary_data":true}}]}`
	bin := []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1}
	r, err := DecodeRequestBinary(append([]byte(head), bin...), len(head))
	if err != nil {
		t.Fatal(err)
	}
	want := &Request{
		Inputs: []Tensor{
			{Name: "input0", DType: Uint32, Shape: []int64{2, 2}, Data: TensorData{Uint32: []uint32{1, 2, 3, 256}}},
			{Name: "input1", DType: Bool, Shape: []int64{3}, Data: TensorData{Bool: []bool{true, false, true}}},
		},
		Outputs: []OutputSpec{{Name: "output0", Parameters: Parameters{"binary_data": true}}},
	}
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("decoded (-want +got):\n%s", d)
	}
}

// binarySamples are tensors of every datatype with edge values.
func binarySamples() []Tensor {
	return []Tensor{
		{Name: "b", DType: Bool, Shape: []int64{3}, Data: TensorData{Bool: []bool{true, false, true}}},
		{Name: "i8", DType: Int8, Shape: []int64{3}, Data: TensorData{Int32: []int32{-128, 0, 127}}},
		{Name: "i16", DType: Int16, Shape: []int64{2}, Data: TensorData{Int32: []int32{-32768, 32767}}},
		{Name: "i32", DType: Int32, Shape: []int64{1, 2}, Data: TensorData{Int32: []int32{math.MinInt32, math.MaxInt32}}},
		{Name: "i64", DType: Int64, Shape: []int64{2}, Data: TensorData{Int64: []int64{math.MinInt64, math.MaxInt64}}},
		{Name: "u8", DType: Uint8, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, 255}}},
		{Name: "u16", DType: Uint16, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{1, 65535}}},
		{Name: "u32", DType: Uint32, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, math.MaxUint32}}},
		{Name: "u64", DType: Uint64, Shape: []int64{2}, Data: TensorData{Uint64: []uint64{0, math.MaxUint64}}},
		{Name: "f32", DType: FP32, Shape: []int64{2, 2}, Data: TensorData{FP32: []float32{1.5, -0, float32(math.Inf(-1)), float32(math.NaN())}}},
		{Name: "f64", DType: FP64, Shape: []int64{3}, Data: TensorData{FP64: []float64{math.SmallestNonzeroFloat64, math.MaxFloat64, math.NaN()}}},
		{Name: "s", DType: Bytes, Shape: []int64{3}, Data: TensorData{Bytes: [][]byte{[]byte("héllo"), {}, {0xff, 0, 0xfe}}}},
		{Name: "empty", DType: FP32, Shape: []int64{0, 4}},
	}
}

// binaryBody renders inputs in the binary extension: every input whose
// binary entry is true goes as bytes, the others as JSON data. It returns
// the body and the JSON's length.
func binaryBody(t testing.TB, inputs []Tensor, binary func(i int) bool) ([]byte, int) {
	t.Helper()
	ts := make([]Tensor, len(inputs))
	noData := make([]bool, len(inputs))
	var bin []byte
	for i, in := range inputs {
		ts[i] = in
		if binary(i) {
			start := len(bin)
			bin = AppendTensorBinary(bin, &inputs[i])
			ts[i].Parameters = in.Parameters.Clone()
			if ts[i].Parameters == nil {
				ts[i].Parameters = Parameters{}
			}
			ts[i].Parameters[ParamBinaryDataSize] = int64(len(bin) - start)
			noData[i] = true
		}
	}
	head, err := appendTensorsOmitting([]byte(`{"inputs":`), ts, "input", noData)
	if err != nil {
		t.Fatal(err)
	}
	head = append(head, '}')
	return append(head, bin...), len(head)
}

// TestBinaryRoundTrip encodes every datatype with AppendTensorBinary and
// decodes it with DecodeRequestBinary, all in binary and alternating with
// JSON inputs.
func TestBinaryRoundTrip(t *testing.T) {
	t.Parallel()
	opts := cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}
	for name, binary := range map[string]func(int) bool{
		"all binary": func(int) bool { return true },
		"alternate":  func(i int) bool { return i%2 == 1 }, // the non-UTF-8 BYTES in binary
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := binarySamples()
			body, n := binaryBody(t, want, binary)
			r, err := DecodeRequestBinary(body, n)
			if err != nil {
				t.Fatalf("%v\nbody: %q", err, body)
			}
			if d := cmp.Diff(want, r.Inputs, opts); d != "" {
				t.Errorf("inputs (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeRequestBinaryErrors(t *testing.T) {
	t.Parallel()
	in := func(datatype, shape string, size int) string {
		return `{"name":"x","shape":` + shape + `,"datatype":"` + datatype + `","parameters":{"binary_data_size":` + strconv.Itoa(size) + `}}`
	}
	tests := []struct {
		name, head string
		bin        []byte
		jsonLen    int // 0: len(head)
		want       string
	}{
		{"header beyond body", `{"inputs":[` + in("BOOL", "[1]", 1) + `]}`, []byte{1}, 999,
			"Inference-Header-Content-Length: 999 is not within the body's "},
		{"header cuts the JSON", `{"inputs":[` + in("BOOL", "[1]", 1) + `]}`, []byte{1}, 5, "…"},
		{"too few bytes for the size", `{"inputs":[` + in("FP32", "[2]", 8) + `]}`, []byte{1, 2, 3, 4}, 0,
			"inputs[0].parameters.binary_data_size: 8 bytes, but only 4 bytes of binary data are left"},
		{"size disagrees with shape", `{"inputs":[` + in("FP32", "[2]", 4) + `]}`, []byte{1, 2, 3, 4}, 0,
			`input "x": 4 bytes of binary data, want 8 for 2 FP32 elements (shape [2])`},
		{"bytes left over", `{"inputs":[` + in("BOOL", "[1]", 1) + `]}`, []byte{1, 0}, 0,
			"2 bytes of binary data follow the JSON, but the inputs' binary_data_size add up to 1"},
		{"negative size", `{"inputs":[` + in("BOOL", "[1]", -1) + `]}`, []byte{1}, 0,
			"inputs[0].parameters.binary_data_size: -1 is not a byte count"},
		{"size not an integer", `{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","parameters":{"binary_data_size":"1"}}]}`, []byte{1}, 0,
			"inputs[0].parameters.binary_data_size: 1 is not a byte count"},
		{"data and size", `{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true],"parameters":{"binary_data_size":1}}]}`, []byte{1}, 0,
			`input "x": has both data and binary_data_size`},
		{"no data and no size", `{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL"}]}`, nil, 0,
			"inputs[0].data: missing"},
		{"BYTES length cut", `{"inputs":[` + in("BYTES", "[1]", 3) + `]}`, []byte{1, 0, 0}, 0,
			`input "x": 3 bytes of binary data cannot hold 1 BYTES elements (shape [1]): each takes at least 4`},
		{"BYTES element cut", `{"inputs":[` + in("BYTES", "[1]", 6) + `]}`, []byte{5, 0, 0, 0, 'a', 'b'}, 0,
			`input "x": element 0: length 5, but only 2 bytes are left`},
		{"BYTES too many", `{"inputs":[` + in("BYTES", "[1]", 10) + `]}`, []byte{1, 0, 0, 0, 'a', 1, 0, 0, 0, 'b'}, 0,
			`input "x": 5 bytes of binary data are left after the 1 BYTES elements of shape [1]`},
		{"BYTES huge count", `{"inputs":[` + in("BYTES", "[1000000000]", 4) + `]}`, []byte{0, 0, 0, 0}, 0,
			`input "x": 4 bytes of binary data cannot hold 1000000000 BYTES elements (shape [1000000000]): each takes at least 4`},
		{"FP16", `{"inputs":[` + in("FP16", "[1]", 2) + `]}`, []byte{0, 0}, 0,
			"inputs[0].datatype: FP16 is not supported (no adapter can carry it, in JSON or binary); use FP32"},
		{"huge shape", `{"inputs":[` + in("FP64", "[4294967296,4294967296]", 8) + `]}`, make([]byte, 8), 0,
			"…shape has too many elements…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := tt.jsonLen
			if n == 0 {
				n = len(tt.head)
			}
			_, err := DecodeRequestBinary(append([]byte(tt.head), tt.bin...), n)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("error %v does not wrap ErrInvalidInput", err)
			}
			msg := strings.TrimPrefix(err.Error(), ErrInvalidInput.Error()+": ")
			if !matchMsg(msg, tt.want) {
				t.Errorf("error:\ngot  %s\nwant %s", msg, tt.want)
			}
		})
	}
}

// matchMsg compares msg with want; a leading or trailing "…" in want
// allows any text there, and a want ending in a space is a prefix.
func matchMsg(msg, want string) bool {
	prefix, suffix := strings.HasPrefix(want, "…"), strings.HasSuffix(want, "…")
	core := strings.TrimSuffix(strings.TrimPrefix(want, "…"), "…")
	switch {
	case prefix && suffix:
		return strings.Contains(msg, core)
	case suffix, strings.HasSuffix(want, " "):
		return strings.HasPrefix(msg, core)
	case prefix:
		return strings.HasSuffix(msg, core)
	}
	return msg == want
}

// TestDecodeRequestWithoutBinaryPart checks that a plain JSON body whose
// input has a binary_data_size says what is missing.
func TestDecodeRequestWithoutBinaryPart(t *testing.T) {
	t.Parallel()
	_, err := DecodeRequest([]byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","parameters":{"binary_data_size":1}}]}`))
	want := `invalid input: input "x": has binary_data_size but no data, and the body has no binary part (Inference-Header-Content-Length header)`
	if err == nil || err.Error() != want {
		t.Errorf("error:\ngot  %v\nwant %s", err, want)
	}
}

func TestBinaryOutputs(t *testing.T) {
	t.Parallel()
	r := &Request{
		Parameters: Parameters{ParamBinaryDataOutput: true, "other": int64(1)},
		Outputs: []OutputSpec{
			{Name: "json", Parameters: Parameters{ParamBinaryData: false}},
			{Name: "bin", Parameters: Parameters{ParamBinaryData: true, "k": "v"}},
			{Name: "default"},
		},
		Source: []byte("{}"),
	}
	if !AsksBinary(r) {
		t.Error("AsksBinary: false, want true")
	}
	binary := BinaryOutputs(r)
	for name, want := range map[string]bool{"json": false, "bin": true, "default": true, "unlisted": true} {
		if got := binary(name); got != want {
			t.Errorf("binary(%q): got %v, want %v", name, got, want)
		}
	}
	StripBinaryParams(r)
	want := &Request{
		Parameters: Parameters{"other": int64(1)},
		Outputs:    []OutputSpec{{Name: "json"}, {Name: "bin", Parameters: Parameters{"k": "v"}}, {Name: "default"}},
	}
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("stripped (-want +got):\n%s", d)
	}
	if AsksBinary(r) {
		t.Error("AsksBinary after StripBinaryParams: true, want false")
	}
	if !binary("bin") || binary("json") {
		t.Error("the answer of BinaryOutputs changed with StripBinaryParams")
	}
	if BinaryOutputs(r)("default") {
		t.Error("binary(default) after StripBinaryParams: true, want false")
	}
}

// TestAppendResponseBinary checks the JSON and bytes of a response with
// one binary and one JSON output.
func TestAppendResponseBinary(t *testing.T) {
	t.Parallel()
	r := &Response{ID: "1", Model: ModelRef{Name: "m"}, Outputs: []Tensor{
		{Name: "y", DType: FP32, Shape: []int64{2}, Data: TensorData{FP32: []float32{1.5, -2}}, Parameters: Parameters{"p": "q"}},
		{Name: "z", DType: Int64, Shape: []int64{1}, Data: TensorData{Int64: []int64{7}}},
	}}
	head, bin, err := AppendResponseBinary([]byte("x"), r, func(name string) bool { return name == "y" })
	if err != nil {
		t.Fatal(err)
	}
	wantHead := `x{"model_name":"m","id":"1","outputs":[` +
		`{"name":"y","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8,"p":"q"}},` +
		`{"name":"z","shape":[1],"datatype":"INT64","data":[7]}]}`
	if string(head) != wantHead {
		t.Errorf("JSON:\ngot  %s\nwant %s", head, wantHead)
	}
	// 1.5 is 0x3FC00000 and -2 is 0xC0000000, little-endian.
	if want := []byte{0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0}; string(bin) != string(want) {
		t.Errorf("binary: got % x, want % x", bin, want)
	}
	if _, ok := r.Outputs[0].Parameters[ParamBinaryDataSize]; ok {
		t.Error("AppendResponseBinary changed the response's parameters")
	}
	if _, _, err := AppendResponseBinary(nil, &Response{OIPOutputs: []byte("[]")}, func(string) bool { return true }); !errors.Is(err, ErrBadUpstream) {
		t.Errorf("outputs as written: got %v, want ErrBadUpstream", err)
	}
}

// FuzzDecodeRequestBinary feeds arbitrary bodies and JSON lengths: the
// result is a request or an ErrInvalidInput, never a panic. A decoded
// request's inputs are valid and carry no binary_data_size, and encoding
// them to binary and decoding again gives them back.
func FuzzDecodeRequestBinary(f *testing.F) {
	head := `{"inputs":[{"name":"a","shape":[2],"datatype":"UINT16","parameters":{"binary_data_size":4}},` +
		`{"name":"s","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":6}}]}`
	f.Add(append([]byte(head), 1, 0, 2, 0, 2, 0, 0, 0, 'h', 'i'), len(head))
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}]}`), 62)
	for _, binary := range []func(int) bool{func(int) bool { return true }, func(i int) bool { return i%3 == 1 }} {
		body, n := binaryBody(f, binarySamples(), binary)
		f.Add(body, n)
	}
	f.Fuzz(func(t *testing.T, body []byte, jsonLen int) {
		r, err := DecodeRequestBinary(body, jsonLen)
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error %v does not wrap ErrInvalidInput", err)
			}
			return
		}
		for i := range r.Inputs {
			if err := r.Inputs[i].validate(); err != nil {
				t.Fatalf("input %d: %v", i, err)
			}
			if _, ok := r.Inputs[i].Parameters[ParamBinaryDataSize]; ok {
				t.Fatalf("input %d keeps %s", i, ParamBinaryDataSize)
			}
		}
		again, n := binaryBody(t, r.Inputs, func(int) bool { return true })
		r2, err := DecodeRequestBinary(again, n)
		if err != nil {
			t.Fatalf("decoding the re-encoded inputs: %v\nbody: %q", err, again)
		}
		if d := cmp.Diff(r.Inputs, r2.Inputs, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}
