// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/adapters"
)

// FuzzDecodePredictRequest decodes arbitrary bodies without a signature and
// with a fixed one. Properties: no panic; errors wrap ErrInvalidInput;
// decoded tensors validate; and re-encoding in the same format and decoding
// with a signature of the decoded names and datatypes gives the same
// tensors back.
func FuzzDecodePredictRequest(f *testing.F) {
	for _, s := range []string{
		`{"instances": [[1,2],[3,4],[5,6]]}`,
		`{"instances": [1, 2.0, 3, 4, 5.003, 0.007, 0.0]}`,
		`{"instances": [ [{ "b64" : "aGVsbG8=" }], [{ "b64": "d29ybGQ=" }] ]}`,
		`{"instances": [{"int_tensor": [[1,2],[3,4],[5,6]], "str_tensor": ["foo", "bar"], "float_tensor": [1.0, NaN]},
			{"int_tensor": [[7,8],[9,0],[1,2]], "str_tensor": ["baz", "bat"], "float_tensor": [2.0, Infinity]}]}`,
		`{"signature_name": "serving_default", "inputs": {"int_tensor": [[[1,2],[3,4],[5,6]]], "str_tensor": ["foo", "bar"], "bin_tensor": {"b64": "aGVsbG8="}}}`,
		`{"inputs": [[true], [false]]}`, `{"inputs": {"b64": 5}}`, `{"inputs": "x"}`, `{"instances": [[], []]}`,
		`{"instances": [[1,2],["a", "b"]]}`, `{"instances": [1, [1]]}`, `{"inputs": [1, 18446744073709551615]}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	fixed := sig("int_tensor", adapters.Int32, "str_tensor", adapters.Bytes)
	f.Fuzz(func(t *testing.T, data []byte, withSig bool) {
		var s *Signature
		if withSig {
			s = fixed
		}
		r, err := DecodePredictRequest(data, s)
		if err != nil {
			if !errors.Is(err, adapters.ErrInvalidInput) {
				t.Fatalf("error %v does not wrap ErrInvalidInput", err)
			}
			return
		}
		back := &Signature{}
		for i := range r.Inputs {
			in := &r.Inputs[i]
			if err := in.Validate(); err != nil {
				t.Fatalf("decoded tensor does not validate: %v", err)
			}
			back.Inputs = append(back.Inputs, adapters.TensorMetadata{Name: in.Name, DType: in.DType})
		}
		body, err := AppendPredictRequest(nil, r.Format, r.SignatureName, r.Inputs)
		if err != nil {
			t.Fatalf("AppendPredictRequest(decoded %q) error: %v", data, err)
		}
		r2, err := DecodePredictRequest(body, back)
		if err != nil {
			t.Fatalf("decode(encode(decode(x))) error: %v\nx: %q\nencoded: %s", err, data, body)
		}
		if diff := cmp.Diff(r, r2, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("decode(encode(decode(x))) != decode(x) (-first +second):\n%s\nencoded: %s", diff, body)
		}
	})
}

// FuzzDecodePredictResponse checks upstream bodies: no panic, errors wrap
// ErrBadUpstream, and decoded tensors validate and re-encode.
func FuzzDecodePredictResponse(f *testing.F) {
	for _, s := range []string{
		`{"predictions": [[0.1, 0.9], [0.7, 0.3]]}`, `{"predictions": [{"label": "cat", "score": NaN}]}`,
		`{"outputs": {"a": [1, 2, 3], "b": -Infinity}}`, `{"outputs": [[true]]}`, `{"predictions": []}`,
		`{"error": "x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := DecodePredictResponse(data, Row, []string{"y"})
		if err != nil {
			if !errors.Is(err, adapters.ErrBadUpstream) {
				t.Fatalf("error %v does not wrap ErrBadUpstream", err)
			}
			return
		}
		for i := range ts {
			if err := ts[i].Validate(); err != nil {
				t.Fatalf("decoded tensor does not validate: %v", err)
			}
		}
		if _, err := AppendPredictResponse(nil, Columnar, ts); err != nil {
			t.Fatalf("AppendPredictResponse(columnar) error: %v", err)
		}
	})
}
