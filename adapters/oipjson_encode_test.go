// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppendRequest(t *testing.T) {
	t.Parallel()
	r := &Request{
		ID:         "7",
		Model:      ModelRef{Name: "not written"},
		Parameters: Parameters{"z": "last", "a": int64(1), "m": 0.5, "b": true},
		Inputs: []Tensor{
			{Name: "x", DType: FP32, Shape: []int64{2, 2}, Data: TensorData{FP32: []float32{1, 0.1, float32(math.NaN()), float32(math.Inf(-1))}},
				Parameters: Parameters{"content_type": "np"}},
			{Name: "s", DType: Bytes, Shape: []int64{2}, Data: TensorData{Bytes: [][]byte{[]byte(`q"`), []byte("\xff")}}},
		},
		Outputs: []OutputSpec{{Name: "y"}, {Name: "z", Parameters: Parameters{"binary_data": false}}},
	}
	got, err := AppendRequest([]byte("prefix:"), r)
	if err != nil {
		t.Fatal(err)
	}
	want := `prefix:{"id":"7","parameters":{"a":1,"b":true,"m":0.5,"z":"last"},"inputs":[` +
		`{"name":"x","shape":[2,2],"datatype":"FP32","parameters":{"content_type":"np"},"data":[1.0,0.1,NaN,-Infinity]},` +
		`{"name":"s","shape":[2],"datatype":"BYTES","data":["q\"","\ufffd"]}],` +
		`"outputs":[{"name":"y"},{"name":"z","parameters":{"binary_data":false}}]}`
	if string(got) != want {
		t.Errorf("AppendRequest =\n%s\nwant\n%s", got, want)
	}
	// The minimal request omits every optional member.
	got, err = AppendRequest(nil, &Request{Inputs: []Tensor{{Name: "b", DType: Bool, Shape: []int64{1}, Data: TensorData{Bool: []bool{true}}}}})
	if want := `{"inputs":[{"name":"b","shape":[1],"datatype":"BOOL","data":[true]}]}`; err != nil || string(got) != want {
		t.Errorf("AppendRequest(minimal) = %s, %v, want %s", got, err, want)
	}
}

func TestAppendResponse(t *testing.T) {
	t.Parallel()
	r := &Response{
		ID: "1", Model: ModelRef{Name: "m", Version: "2"}, Parameters: Parameters{"k": int64(-1)},
		Outputs: []Tensor{
			{Name: "i8", DType: Int8, Shape: []int64{2}, Data: TensorData{Int32: []int32{-128, 127}}},
			{Name: "u64", DType: Uint64, Shape: []int64{1}, Data: TensorData{Uint64: []uint64{math.MaxUint64}}},
			{Name: "d", DType: FP64, Shape: []int64{3}, Data: TensorData{FP64: []float64{3, 1e21, 1.0 / 3}}},
			{Name: "e", DType: Int64, Shape: []int64{0}, Data: TensorData{}},
		},
	}
	got, err := AppendResponse(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model_name":"m","model_version":"2","id":"1","parameters":{"k":-1},"outputs":[` +
		`{"name":"i8","shape":[2],"datatype":"INT8","data":[-128,127]},` +
		`{"name":"u64","shape":[1],"datatype":"UINT64","data":[18446744073709551615]},` +
		`{"name":"d","shape":[3],"datatype":"FP64","data":[3.0,1e+21,0.33333333333333331]},` +
		`{"name":"e","shape":[0],"datatype":"INT64","data":[]}]}`
	if string(got) != want {
		t.Errorf("AppendResponse =\n%s\nwant\n%s", got, want)
	}
	got, err = AppendResponse(nil, &Response{Model: ModelRef{Name: "m"}})
	if want := `{"model_name":"m","id":"","outputs":[]}`; err != nil || string(got) != want {
		t.Errorf("AppendResponse(empty) = %s, %v, want %s", got, err, want)
	}
}

func TestAppendErrors(t *testing.T) {
	t.Parallel()
	ok := Tensor{Name: "x", DType: Bool, Shape: []int64{1}, Data: TensorData{Bool: []bool{true}}}
	tests := []struct {
		name string
		req  *Request
		want string
	}{
		{"raw payload", &Request{Raw: &Payload{Data: []byte("x")}}, "request carries a raw payload, not tensors"},
		{"count mismatch", &Request{Inputs: []Tensor{{Name: "x", DType: FP32, Shape: []int64{3}, Data: TensorData{FP32: []float32{1}}}}},
			`input "x": shape [3] needs 3 elements, data has 1`},
		{"wrong field", &Request{Inputs: []Tensor{{Name: "x", DType: FP32, Shape: []int64{1}, Data: TensorData{FP64: []float64{1}}}}},
			`input "x": data is not held in the field for FP32`},
		{"FP16", &Request{Inputs: []Tensor{{Name: "x", DType: FP16, Shape: []int64{0}}}}, `input "x": datatype FP16 is not supported`},
		{"INT8 range", &Request{Inputs: []Tensor{{Name: "x", DType: Int8, Shape: []int64{1}, Data: TensorData{Int32: []int32{200}}}}},
			`input "x": element 0: 200 is out of range for INT8`},
		{"duplicate names", &Request{Inputs: []Tensor{ok, ok}}, `input "x": duplicate name`},
		{"int parameter", &Request{Inputs: []Tensor{ok}, Parameters: Parameters{"n": 3}},
			`parameter "n": value of type int is not a string, bool, int64 or float64`},
		{"tensor parameter", &Request{Inputs: []Tensor{{Name: "x", DType: Bool, Shape: []int64{1}, Data: TensorData{Bool: []bool{true}},
			Parameters: Parameters{"p": []int{1}}}}}, `input "x": parameter "p": value of type []int is not a string, bool, int64 or float64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := []byte("keep")
			got, err := AppendRequest(dst, tt.req)
			if !errors.Is(err, ErrInvalidInput) || err.Error() != "invalid input: "+tt.want {
				t.Errorf("AppendRequest error = %v, want invalid input: %s", err, tt.want)
			}
			if string(got) != "keep" {
				t.Errorf("AppendRequest returned %q on error, want dst unchanged", got)
			}
			resp := &Response{Outputs: tt.req.Inputs, Parameters: tt.req.Parameters, Raw: tt.req.Raw}
			if _, err := AppendResponse(nil, resp); !errors.Is(err, ErrBadUpstream) {
				t.Errorf("AppendResponse error = %v, want one wrapping ErrBadUpstream", err)
			}
		})
	}
}

// allTypes returns one tensor of every JSON datatype, with edge values.
func allTypes() []Tensor {
	return []Tensor{
		{Name: "bool", DType: Bool, Shape: []int64{1, 2}, Data: TensorData{Bool: []bool{true, false}}},
		{Name: "uint8", DType: Uint8, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, 255}}},
		{Name: "uint16", DType: Uint16, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, 65535}}},
		{Name: "uint32", DType: Uint32, Shape: []int64{2}, Data: TensorData{Uint32: []uint32{0, math.MaxUint32}}},
		{Name: "uint64", DType: Uint64, Shape: []int64{2}, Data: TensorData{Uint64: []uint64{0, math.MaxUint64}}},
		{Name: "int8", DType: Int8, Shape: []int64{2}, Data: TensorData{Int32: []int32{-128, 127}}},
		{Name: "int16", DType: Int16, Shape: []int64{2}, Data: TensorData{Int32: []int32{-32768, 32767}}},
		{Name: "int32", DType: Int32, Shape: []int64{2, 1}, Data: TensorData{Int32: []int32{math.MinInt32, math.MaxInt32}}},
		{Name: "int64", DType: Int64, Shape: []int64{2}, Data: TensorData{Int64: []int64{math.MinInt64, math.MaxInt64}}},
		{Name: "fp32", DType: FP32, Shape: []int64{2, 3}, Data: TensorData{FP32: []float32{
			0.1, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.NaN()), float32(math.Inf(1)), 16777216}}},
		{Name: "fp64", DType: FP64, Shape: []int64{4}, Data: TensorData{FP64: []float64{
			0.1, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1)}}},
		{Name: "bytes", DType: Bytes, Shape: []int64{3}, Data: TensorData{Bytes: [][]byte{{}, []byte("é\x00\n\"\\"), []byte("😀")}}},
		{Name: "empty", DType: FP32, Shape: []int64{0, 5}, Data: TensorData{FP32: []float32{}}},
		{Name: "scalar", DType: Int64, Shape: []int64{}, Data: TensorData{Int64: []int64{-1}}},
	}
}

func TestRequestRoundTrip(t *testing.T) {
	t.Parallel()
	want := &Request{ID: "r", Inputs: allTypes(), Parameters: Parameters{"f": math.Inf(1), "s": ""},
		Outputs: []OutputSpec{{Name: "fp32"}}}
	body, err := AppendRequest(nil, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRequest(body)
	if err != nil {
		t.Fatalf("DecodeRequest(AppendRequest) error: %v\nbody: %s", err, body)
	}
	if diff := cmp.Diff(want, got, equateNaN()); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestResponseRoundTrip(t *testing.T) {
	t.Parallel()
	want := &Response{ID: "r", Model: ModelRef{Name: "m", Version: "v1"}, Outputs: allTypes(),
		Parameters: Parameters{"n": int64(math.MinInt64)}}
	body, err := AppendResponse(nil, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeResponse(body)
	if err != nil {
		t.Fatalf("DecodeResponse(AppendResponse) error: %v\nbody: %s", err, body)
	}
	if diff := cmp.Diff(want, got, equateNaN()); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	// KServe's sklearn example answer, with an FP16 output and a variable dimension.
	body := `{"name":"sklearn-iris","versions":["1",2],"platform":"sklearn","inputs":[{"name":"input-0","datatype":"FP32","shape":[-1,4],"parameters":{"a":1}}],
		"outputs":[{"name":"output-0","datatype":"FP16","shape":[-1]}],"extra":true}`
	got, err := DecodeMetadata([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := &ModelMetadata{Name: "sklearn-iris", Versions: []string{"1", "2"}, Platform: "sklearn",
		Inputs:  []TensorMetadata{{Name: "input-0", DType: FP32, Shape: []int64{-1, 4}}},
		Outputs: []TensorMetadata{{Name: "output-0", DType: FP16, Shape: []int64{-1}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeMetadata mismatch (-want +got):\n%s", diff)
	}
	out := AppendMetadata(nil, want)
	wantOut := `{"name":"sklearn-iris","versions":["1","2"],"platform":"sklearn",` +
		`"inputs":[{"name":"input-0","datatype":"FP32","shape":[-1,4]}],"outputs":[{"name":"output-0","datatype":"FP16","shape":[-1]}]}`
	if string(out) != wantOut {
		t.Errorf("AppendMetadata =\n%s\nwant\n%s", out, wantOut)
	}
	if got := string(AppendMetadata(nil, &ModelMetadata{Name: "m"})); got != `{"name":"m","platform":"","inputs":[],"outputs":[]}` {
		t.Errorf("AppendMetadata(minimal) = %s", got)
	}
	for _, bad := range []string{`{"name":"m","inputs":[{"name":"x","datatype":"FP8","shape":[1]}]}`,
		`{"name":"m","inputs":[{"name":"x","shape":[-2]}]}`, `{"name":1}`, `{"name":"m"} {}`} {
		if _, err := DecodeMetadata([]byte(bad)); !errors.Is(err, ErrBadUpstream) {
			t.Errorf("DecodeMetadata(%s) error = %v, want one wrapping ErrBadUpstream", bad, err)
		}
	}
}

// TestEncodeNoAllocs checks that encoding into a buffer with room to spare
// allocates nothing: estimateData's sample must stay on the stack.
func TestEncodeNoAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	for _, tt := range allTypes() {
		if tt.DType == Bytes {
			continue // sized without sampling
		}
		req := &Request{Inputs: []Tensor{tt}}
		resp := &Response{Model: ModelRef{Name: "m"}, Outputs: []Tensor{tt}}
		buf := make([]byte, 0, 64<<10)
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			if buf, err = AppendRequest(buf[:0], req); err != nil {
				t.Fatal(err)
			}
			if buf, err = AppendResponse(buf[:0], resp); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request and response encode, want 0", tt.Name, allocs)
		}
	}
}

// TestEstimateData checks the estimate covers the encoding of every dtype,
// for short and long tensors.
func TestEstimateData(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 3, 64, 65, 1000} {
		for _, tt := range allTypes() {
			if tt.DType == Bytes || tt.Data.Len() == 0 {
				continue // sized without sampling
			}
			tt.Shape = []int64{int64(n)}
			tt.Data = repeatData(tt.Data, n)
			got := len(AppendTensorData(nil, &tt))
			if est := estimateData(&tt); est < got {
				t.Errorf("%v×%d: estimate %d < encoded %d bytes", tt.DType, n, est, got)
			}
		}
	}
}

// repeatData returns n elements cycling through d's.
func repeatData(d TensorData, n int) TensorData {
	var r TensorData
	switch {
	case d.Bool != nil:
		r.Bool = cycle(d.Bool, n)
	case d.Int32 != nil:
		r.Int32 = cycle(d.Int32, n)
	case d.Int64 != nil:
		r.Int64 = cycle(d.Int64, n)
	case d.Uint32 != nil:
		r.Uint32 = cycle(d.Uint32, n)
	case d.Uint64 != nil:
		r.Uint64 = cycle(d.Uint64, n)
	case d.FP32 != nil:
		r.FP32 = cycle(d.FP32, n)
	case d.FP64 != nil:
		r.FP64 = cycle(d.FP64, n)
	case d.Bytes != nil:
		r.Bytes = cycle(d.Bytes, n)
	}
	return r
}

func cycle[T any](vs []T, n int) []T {
	r := make([]T, n)
	for i := range r {
		r[i] = vs[i%len(vs)]
	}
	return r
}
