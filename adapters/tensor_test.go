// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNumElements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		shape   []int64
		want    int
		wantErr string
	}{
		{name: "scalar", shape: nil, want: 1},
		{name: "matrix", shape: []int64{2, 3}, want: 6},
		{name: "zero dimension", shape: []int64{4, 0, 1 << 40}, want: 0},
		{name: "negative dimension", shape: []int64{2, -1}, wantErr: "dimension 1 is negative"},
		{name: "overflow of int64", shape: []int64{1 << 32, 1 << 32, 1 << 32}, wantErr: "too many elements"},
		{name: "over the element limit", shape: []int64{1 << 16, 1 << 16}, wantErr: "too many elements"},
		{name: "at the element limit", shape: []int64{math.MaxInt32}, want: math.MaxInt32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := NumElements(tt.shape)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NumElements(%v) error = %v, want %q", tt.shape, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NumElements(%v) = %d, %v, want %d", tt.shape, got, err, tt.want)
			}
		})
	}
}

func TestTensorValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tensor  Tensor
		wantErr string // empty: valid
	}{
		{name: "fp32 matrix", tensor: Tensor{Name: "x", DType: FP32, Shape: []int64{2, 2}, Data: TensorData{FP32: []float32{1, 2, 3, 4}}}},
		{name: "int8 in int32 field", tensor: Tensor{Name: "x", DType: Int8, Shape: []int64{2}, Data: TensorData{Int32: []int32{-128, 127}}}},
		{name: "empty tensor", tensor: Tensor{Name: "x", DType: FP64, Shape: []int64{0, 3}, Data: TensorData{}}},
		{name: "bytes", tensor: Tensor{Name: "s", DType: Bytes, Shape: []int64{1}, Data: TensorData{Bytes: [][]byte{[]byte("hi")}}}},
		{name: "missing name", tensor: Tensor{DType: FP32, Shape: []int64{1}, Data: TensorData{FP32: []float32{1}}}, wantErr: "name is empty"},
		{name: "count mismatch", tensor: Tensor{Name: "x", DType: FP32, Shape: []int64{2, 2}, Data: TensorData{FP32: []float32{1, 2, 3}}}, wantErr: "needs 4 elements, data has 3"},
		{name: "wrong field", tensor: Tensor{Name: "x", DType: FP32, Shape: []int64{1}, Data: TensorData{FP64: []float64{1}}}, wantErr: "not held in the field for FP32"},
		{name: "two fields", tensor: Tensor{Name: "x", DType: FP32, Shape: []int64{1}, Data: TensorData{FP32: []float32{1}, FP64: []float64{1}}}, wantErr: "2 fields"},
		{name: "int8 out of range", tensor: Tensor{Name: "x", DType: Int8, Shape: []int64{2}, Data: TensorData{Int32: []int32{1, 300}}}, wantErr: "element 1: 300 is out of range for INT8"},
		{name: "uint16 out of range", tensor: Tensor{Name: "x", DType: Uint16, Shape: []int64{1}, Data: TensorData{Uint32: []uint32{70000}}}, wantErr: "out of range for UINT16"},
		{name: "fp16 unsupported", tensor: Tensor{Name: "h", DType: FP16, Shape: []int64{1}}, wantErr: "FP16 is not supported"},
		{name: "invalid dtype", tensor: Tensor{Name: "h", Shape: []int64{1}}, wantErr: "INVALID is not supported"},
		{name: "negative shape", tensor: Tensor{Name: "x", DType: FP32, Shape: []int64{-1}}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.tensor.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("Validate() = %v, want it to wrap ErrInvalidInput", err)
			}
		})
	}
}

func TestRequestCloneIsDeep(t *testing.T) {
	t.Parallel()
	orig := &Request{
		ID:         "a",
		Model:      ModelRef{Name: "m", Version: "1"},
		Inputs:     []Tensor{{Name: "s", DType: Bytes, Shape: []int64{1}, Data: TensorData{Bytes: [][]byte{[]byte("x")}}, Parameters: Parameters{"k": "v"}}},
		Outputs:    []OutputSpec{{Name: "o", Parameters: Parameters{"binary_data": false}}},
		Parameters: Parameters{"p": int64(1)},
		Raw:        &Payload{ContentType: "text/csv", Data: []byte("a,b")},
		Source:     []byte(`{"inputs":[]}`),
	}
	c := orig.Clone()
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	if &c.Source[0] != &orig.Source[0] {
		t.Error("the clone copied Source; it is immutable and should be shared")
	}
	c.Inputs[0].Data.Bytes[0][0] = 'y'
	c.Inputs[0].Shape[0] = 9
	c.Inputs[0].Parameters["k"] = "w"
	c.Outputs[0].Parameters["binary_data"] = true
	c.Parameters["p"] = int64(2)
	c.Raw.Data[0] = 'z'
	if string(orig.Inputs[0].Data.Bytes[0]) != "x" || orig.Inputs[0].Shape[0] != 1 ||
		orig.Inputs[0].Parameters["k"] != "v" || orig.Outputs[0].Parameters["binary_data"] != false ||
		orig.Parameters["p"] != int64(1) || orig.Raw.Data[0] != 'a' {
		t.Fatalf("mutating the clone changed the original: %+v", orig)
	}
}

func TestDTypeNames(t *testing.T) {
	t.Parallel()
	for d := Bool; d <= BF16; d++ {
		got, err := ParseDType(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDType(%q) = %v, %v, want %v", d.String(), got, err, d)
		}
	}
	for _, bad := range []string{"fp32", "INVALID", "", "FLOAT"} {
		if _, err := ParseDType(bad); err == nil {
			t.Errorf("ParseDType(%q) succeeded, want error", bad)
		}
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{Op: "infer", Backend: "tfs", Model: "resnet", Status: 503, Message: "queue full", Err: ErrUnavailable}
	want := `tfs: infer "resnet": upstream 503: queue full: unavailable`
	if got := e.Error(); got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrUnavailable) {
		t.Fatal("errors.Is(e, ErrUnavailable) = false")
	}
	long := strings.Repeat("é", MaxMessageLen)
	if got := TrimMessage(long); len(got) > MaxMessageLen+len("…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("TrimMessage cut to %d bytes, want ≤ %d with an ellipsis", len(got), MaxMessageLen+3)
	}
}

func TestValidateInputs(t *testing.T) {
	t.Parallel()
	x := Tensor{Name: "x", DType: FP32, Shape: []int64{1}, Data: TensorData{FP32: []float32{1}}}
	bad := Tensor{Name: "y", DType: FP32, Shape: []int64{2}, Data: TensorData{FP32: []float32{1}}}
	tests := []struct {
		name    string
		inputs  []Tensor
		wantErr string
	}{
		{name: "one valid input", inputs: []Tensor{x}},
		{name: "no inputs", inputs: nil, wantErr: "the request has no inputs"},
		{name: "an invalid input", inputs: []Tensor{x, bad}, wantErr: `tensor "y": shape [2] needs 2 elements, data has 1`},
		{name: "a name twice", inputs: []Tensor{x, x}, wantErr: `input "x" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateInputs(tt.inputs)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateInputs() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("ValidateInputs() = %v, want ErrInvalidInput containing %q", err, tt.wantErr)
			}
		})
	}
}
