// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"fmt"
	"mime"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
	"github.com/modelgate/modelgate/adapters/jsontext"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// decodeAnswer turns a 2xx answer into a Response (see Infer for the rules).
// Only a body that claims to be JSON and is not fails.
func decodeAnswer(data []byte, ctype string, names []string) (*adapters.Response, error) {
	mt := mediaType(ctype)
	switch {
	case mt == "" || isJSONMedia(mt):
		v, err := jsontext.Parse(data)
		if err != nil {
			return nil, jsonhttp.Malformed(fmt.Errorf("JSON answer: %v", err))
		}
		if outs, ok := v1json.TensorsFromValue(v, names, tensorFrom); ok {
			return &adapters.Response{Outputs: outs}, nil
		}
		return rawAnswer(data, ctype, mediaJSON), nil
	case mt == "text/plain":
		t := adapters.Tensor{Name: outputName(names, 0), DType: adapters.Bytes,
			Shape: []int64{}, Data: adapters.TensorData{Bytes: [][]byte{data}}}
		return &adapters.Response{Outputs: []adapters.Tensor{t}}, nil
	}
	return rawAnswer(data, ctype, mediaBinary), nil
}

// rawAnswer wraps a body as a Raw payload with its media type, or def.
func rawAnswer(data []byte, ctype, def string) *adapters.Response {
	if strings.TrimSpace(ctype) == "" {
		ctype = def
	}
	return &adapters.Response{Raw: &adapters.Payload{ContentType: ctype, Data: data}}
}

// mediaType returns ctype's lower-case media type without parameters, "" if
// absent, and ctype itself if it does not parse.
func mediaType(ctype string) string {
	if strings.TrimSpace(ctype) == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ctype))
	}
	return mt
}

// isJSONMedia reports whether a media type is application/json or +json.
func isJSONMedia(mt string) bool {
	mt = mediaType(mt)
	return mt == mediaJSON || strings.HasSuffix(mt, "+json")
}

// tensorFrom converts a JSON value, reading nulls as NaN: pydantic's JSON
// serialisation writes float NaN as null (PROTOCOLS.md §4.3), so a null in
// a list of floats is a NaN, and a list with nulls is FP64.
func tensorFrom(name string, v *jsontext.Value) (adapters.Tensor, error) {
	if hasNull(v, 0) {
		nv, err := jsontext.Parse(appendNullAsNaN(nil, v))
		if err != nil {
			return adapters.Tensor{}, err
		}
		v = nv
	}
	return v1json.TensorFromValue(name, v, adapters.Invalid)
}

// maxWalkDepth bounds the null walk (jsontext already bounds nesting).
const maxWalkDepth = 512

// hasNull reports whether v is or holds a null.
func hasNull(v *jsontext.Value, depth int) bool {
	switch v.Kind() {
	case jsontext.Null:
		return true
	case jsontext.Array:
		if depth > maxWalkDepth {
			return false
		}
		for i := range v.Len() {
			if hasNull(v.Index(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// appendNullAsNaN writes v as JSON with every null replaced by NaN.
func appendNullAsNaN(dst []byte, v *jsontext.Value) []byte {
	switch v.Kind() {
	case jsontext.Null:
		return append(dst, "NaN"...)
	case jsontext.Array:
		dst = append(dst, '[')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendNullAsNaN(dst, v.Index(i))
		}
		return append(dst, ']')
	}
	return v.AppendJSON(dst)
}

// outputName names unnamed output i (v1json.OutputName).
func outputName(names []string, i int) string { return v1json.OutputName(names, i) }
