// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
)

// binaryInferHead is the JSON of a binary-extension request (PROTOCOLS.md
// §6.4): input x FP32 [2] in binary (8 bytes after the JSON), input n in
// JSON; every output wanted in binary except n.
const binaryInferHead = `{"id":"b-1","parameters":{"binary_data_output":true,"keep":"me"},"inputs":[` +
	`{"name":"x","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}},` +
	`{"name":"n","shape":[1],"datatype":"INT64","data":[7]}],` +
	`"outputs":[{"name":"x"},{"name":"n","parameters":{"binary_data":false}}]}`

// binaryX is x = [1.5, -2] as little-endian FP32.
var binaryX = []byte{0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0}

// TestInferBinary sends a request in the binary extension through a route
// whose fake target answers with the inputs it got: the adapter sees the
// decoded tensors without the extension's parameters and without Source,
// and the client gets x in binary and n in JSON.
func TestInferBinary(t *testing.T) {
	t.Parallel()
	for _, scan := range []bool{false, true} {
		t.Run("SendsSource="+strconv.FormatBool(scan), func(t *testing.T) {
			t.Parallel()
			a := &fake{}
			g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: a, SendsSource: scan}))
			body := binaryInferHead + string(binaryX)
			rec := do(t, g, "POST", "/v2/models/iris/infer", body, "Content-Type", "application/octet-stream",
				adapters.HeaderInferenceHeaderLength, strconv.Itoa(len(binaryInferHead)))
			if rec.Code != 200 {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}
			want := &adapters.Request{
				ID:         "b-1",
				Model:      adapters.ModelRef{Name: "iris"},
				Parameters: adapters.Parameters{"keep": "me"},
				Inputs: []adapters.Tensor{
					{Name: "x", DType: adapters.FP32, Shape: []int64{2}, Data: adapters.TensorData{FP32: []float32{1.5, -2}}},
					{Name: "n", DType: adapters.Int64, Shape: []int64{1}, Data: adapters.TensorData{Int64: []int64{7}}},
				},
				Outputs: []adapters.OutputSpec{{Name: "x"}, {Name: "n"}},
			}
			if d := cmp.Diff(want, a.reqs[0]); d != "" {
				t.Errorf("request the adapter saw (-want +got):\n%s", d)
			}
			checkBinaryAnswer(t, rec.Result().Header, rec.Body.Bytes(),
				`{"model_name":"iris","id":"b-1","outputs":[`+
					`{"name":"x","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}},`+
					`{"name":"n","shape":[1],"datatype":"INT64","data":[7]}]}`, binaryX)
		})
	}
}

// TestInferJSONAsksBinaryOutputs sends a plain JSON request asking for
// binary outputs to a route that would forward the body as it is: it is
// decoded instead, so that the backend does not see binary_data and
// answer in binary itself.
func TestInferJSONAsksBinaryOutputs(t *testing.T) {
	t.Parallel()
	a := &fake{}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: a, SendsSource: true}))
	body := `{"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1.5,-2]}],"outputs":[{"name":"x","parameters":{"binary_data":true}}]}`
	rec := do(t, g, "POST", "/v2/models/iris/infer", body, "Content-Type", "application/json")
	if rec.Code != 200 {
		t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
	}
	got := a.reqs[0]
	if got.Source != nil || got.AcceptOIPOutputs || got.Outputs[0].Parameters != nil {
		t.Errorf("adapter saw Source %q, AcceptOIPOutputs %v, output parameters %v; want none of them", got.Source,
			got.AcceptOIPOutputs, got.Outputs[0].Parameters)
	}
	if d := cmp.Diff([]float32{1.5, -2}, got.Inputs[0].Data.FP32); d != "" {
		t.Errorf("data the adapter saw (-want +got):\n%s", d)
	}
	checkBinaryAnswer(t, rec.Result().Header, rec.Body.Bytes(),
		`{"model_name":"iris","id":"","outputs":[{"name":"x","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}`, binaryX)
}

// checkBinaryAnswer asserts a binary-extension answer: its headers, JSON
// and binary part.
func checkBinaryAnswer(t *testing.T, h map[string][]string, body []byte, wantJSON string, wantBin []byte) {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	if ct := get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type: got %q, want application/octet-stream", ct)
	}
	n, err := strconv.Atoi(get(adapters.HeaderInferenceHeaderLength))
	if err != nil || n > len(body) {
		t.Fatalf("%s: %q for a %d-byte body", adapters.HeaderInferenceHeaderLength, get(adapters.HeaderInferenceHeaderLength), len(body))
	}
	if cl := get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length: got %q, want %d", cl, len(body))
	}
	if string(body[:n]) != wantJSON {
		t.Errorf("JSON:\ngot  %s\nwant %s", body[:n], wantJSON)
	}
	if string(body[n:]) != string(wantBin) {
		t.Errorf("binary part: got % x, want % x", body[n:], wantBin)
	}
}

func TestInferBinaryErrors(t *testing.T) {
	t.Parallel()
	a := &fake{}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: a}))
	body := binaryInferHead + string(binaryX)
	tests := []struct {
		name   string
		header []string
		body   string
		status int
		want   string
	}{
		{"not a number", []string{adapters.HeaderInferenceHeaderLength, "abc"}, body, 400,
			`Inference-Header-Content-Length: "abc" is not a byte count`},
		{"negative", []string{adapters.HeaderInferenceHeaderLength, "-1"}, body, 400,
			`Inference-Header-Content-Length: "-1" is not a byte count`},
		{"twice", []string{adapters.HeaderInferenceHeaderLength, "3", adapters.HeaderInferenceHeaderLength, "3"}, body, 400,
			`Inference-Header-Content-Length: given 2 times, want once`},
		{"beyond the body", []string{adapters.HeaderInferenceHeaderLength, "100000"}, body, 400,
			`model "iris": invalid input: Inference-Header-Content-Length: 100000 is not within the body's ` + strconv.Itoa(len(body)) + ` bytes`},
		{"binary part too short", []string{adapters.HeaderInferenceHeaderLength, strconv.Itoa(len(binaryInferHead))}, body[:len(body)-1], 400,
			`model "iris": invalid input: inputs[0].parameters.binary_data_size: 8 bytes, but only 7 bytes of binary data are left`},
		{"octet-stream without the header", []string{"Content-Type", "application/octet-stream"}, body, 415,
			`unsupported Content-Type "application/octet-stream" without an Inference-Header-Content-Length header: send JSON, or binary tensor data after JSON of that length`},
		{"binary size in plain JSON", nil, binaryInferHead, 400,
			`model "iris": invalid input: input "x": has binary_data_size but no data, and the body has no binary part (Inference-Header-Content-Length header)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, g, "POST", "/v2/models/iris/infer", tt.body, tt.header...)
			wantStatus(t, rec, tt.status, "")
			if msg := errorMessage(t, rec); msg != tt.want {
				t.Errorf("error:\ngot  %s\nwant %s", msg, tt.want)
			}
		})
	}
	if n := len(a.Calls()); n != 0 {
		t.Errorf("adapter calls: %d, want none", n)
	}
}
