// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters/jsontext"
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
	// Long enough for the bulk readers' fast paths, as Python's json.dumps
	// writes it and compact.
	`{"inputs": [{"name": "x", "shape": [2, 8], "datatype": "FP32", "data": [[0.123456784, -1.5, 3.4028235e38, 1e-45, ` +
		`-0.0, 2.5E+3, 0.1000000000000000055511151231257827, 16777217], [7, 1e39, 0.5, 0.25, -0.125, 9.99999e-5, 1.0, 0]]}]}`,
	`{"inputs":[{"name":"y","shape":[12],"datatype":"FP64","data":[0.123456784,-1.5,3.4028235e38,1e-45,-0.0,2.5E+3,` +
		`0.1000000000000000055511151231257827,16777217,7,1e39,0.5,9007199254740993]}]}`,
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
		checkFloatsAgainstStrconv(t, data, r)
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

// checkFloatsAgainstStrconv compares every FP32 and FP64 element decoded
// from body with strconv's reading of its literal, which jsontext.Parse
// keeps as text.
func checkFloatsAgainstStrconv(t *testing.T, body []byte, r *Request) {
	t.Helper()
	v, err := jsontext.Parse(body)
	if err != nil {
		return // Parse is stricter in places (duplicate unknown keys)
	}
	for i, in := range v.Get("inputs").Elems() {
		tn := &r.Inputs[i]
		if tn.DType != FP32 && tn.DType != FP64 {
			continue
		}
		var lits []string
		flattenNumbers(in.Get("data"), &lits)
		if len(lits) != tn.Data.Len() {
			t.Fatalf("input %q: %d literals, %d values", tn.Name, len(lits), tn.Data.Len())
		}
		for j, lit := range lits {
			bits := 32
			if tn.DType == FP64 {
				bits = 64
			}
			want, err := strconv.ParseFloat(lit, bits)
			switch {
			case lit == "NaN":
				want = math.NaN()
			case lit == "Infinity" || lit == "-Infinity":
				want = math.Inf(1)
				if lit[0] == '-' {
					want = math.Inf(-1)
				}
			case err != nil && !errors.Is(err, strconv.ErrRange):
				t.Fatalf("strconv.ParseFloat(%q): %v", lit, err)
			}
			got := float64(0)
			if tn.DType == FP32 {
				got = float64(tn.Data.FP32[j])
			} else {
				got = tn.Data.FP64[j]
			}
			if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("input %q element %d: %s decoded as %v, strconv gives %v", tn.Name, j, lit, got, want)
			}
		}
	}
}

func flattenNumbers(v *jsontext.Value, out *[]string) {
	if v.Kind() == jsontext.Array {
		for i := range v.Elems() {
			flattenNumbers(v.Index(i), out)
		}
		return
	}
	*out = append(*out, v.Text())
}
