// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// oipSeeds are real-world OIP bodies: the spec's example, KServe, MLServer
// and Triton answers, and edge cases.
var oipSeeds = []string{
	`{"id":"42","inputs":[{"name":"input0","shape":[2,2],"datatype":"UINT32","data":[[1,2],[4,5]]},{"name":"input1","shape":[3],"datatype":"BOOL","data":[true,false,true]}],"outputs":[{"name":"output0"}]}`,
	`{"inputs":[{"name":"input-0","shape":[2,4],"datatype":"FP32","data":[6.8,2.8,4.8,1.4,6.0,3.4,4.5,1.6]}]}`,
	`{"parameters":{"content_type":"pd","n":3,"f":1e2},"inputs":[{"name":"s","shape":[2],"datatype":"BYTES","parameters":{"content_type":"str"},"data":["a","\u00e9"]}]}`,
	`{"inputs":[{"data":[NaN,-Infinity,1e400],"name":"f","datatype":"FP64","shape":[3]}]}`,
	`{"model_name":"m","model_version":null,"id":"1","parameters":null,"outputs":[{"name":"y","shape":[2],"datatype":"INT64","parameters":null,"data":[1,2]}]}`,
	`{"model_name":"m","id":"x","parameters":{"headers":{"a":"b"}},"outputs":[{"name":"y","shape":[1,1],"datatype":"UINT64","data":[[18446744073709551615]]}]}`,
	`{"model_name":"simple","model_version":"1","outputs":[{"name":"OUTPUT0","datatype":"INT8","shape":[0],"data":[]}]}`,
	`{"inputs":[{"name":"x","shape":[2147483647],"datatype":"FP32","data":[1]}]}`,
	`{"inputs":[{"name":"x","shape":[],"datatype":"INT16","data":[-32768]}]}`,
}

func FuzzDecodeRequest(f *testing.F) {
	for _, s := range oipSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRequest(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("DecodeRequest error %v does not wrap ErrInvalidInput", err)
			}
			return
		}
		for i := range r.Inputs {
			if err := r.Inputs[i].Validate(); err != nil {
				t.Fatalf("decoded input does not validate: %v", err)
			}
		}
		body, err := AppendRequest(nil, r)
		if err != nil {
			t.Fatalf("AppendRequest(DecodeRequest(%q)) error: %v", data, err)
		}
		r2, err := DecodeRequest(body)
		if err != nil {
			t.Fatalf("DecodeRequest(AppendRequest(...)) error: %v\nfirst body: %q\nencoded: %s", err, data, body)
		}
		if diff := cmp.Diff(r, r2, equateNaN()); diff != "" {
			t.Fatalf("decode(encode(decode(x))) != decode(x) (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	for _, s := range oipSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeResponse(data)
		if err != nil {
			if !errors.Is(err, ErrBadUpstream) {
				t.Fatalf("DecodeResponse error %v does not wrap ErrBadUpstream", err)
			}
			return
		}
		body, err := AppendResponse(nil, r)
		if err != nil {
			t.Fatalf("AppendResponse(DecodeResponse(%q)) error: %v", data, err)
		}
		r2, err := DecodeResponse(body)
		if err != nil {
			t.Fatalf("DecodeResponse(AppendResponse(...)) error: %v\nencoded: %s", err, body)
		}
		if diff := cmp.Diff(r, r2, equateNaN()); diff != "" {
			t.Fatalf("decode(encode(decode(x))) != decode(x) (-first +second):\n%s", diff)
		}
		if _, err := DecodeMetadata(data); err != nil && !errors.Is(err, ErrBadUpstream) {
			t.Fatalf("DecodeMetadata error %v does not wrap ErrBadUpstream", err)
		}
	})
}
