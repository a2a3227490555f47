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
		if outs, ok := tensorsOf(v, names); ok {
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

// tensorsOf maps a JSON answer to tensors: a top-level null (the API
// returned None) to none, an object to one tensor per member, anything else
// to one tensor named names[0] or "output-0". Nulls elsewhere are NaN.
// ok is false when the JSON is not tensor-shaped.
func tensorsOf(v *jsontext.Value, names []string) (outs []adapters.Tensor, ok bool) {
	switch v.Kind() {
	case jsontext.Null:
		return []adapters.Tensor{}, true
	case jsontext.Object:
		outs = make([]adapters.Tensor, 0, v.Len())
		for _, m := range v.Members() {
			if m.Name == "" {
				return nil, false
			}
			t, err := tensorFrom(m.Name, &m.Value)
			if err != nil {
				return nil, false
			}
			outs = append(outs, t)
		}
		return outs, true
	}
	t, err := tensorFrom(outputName(names, 0), v)
	if err != nil {
		return nil, false
	}
	return []adapters.Tensor{t}, true
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

// outputName names unnamed output i: names[i] if configured, else
// "output-<i>".
func outputName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("output-%d", i)
}

// selectOutputs keeps the outputs the request asked for, in its order. A
// Raw answer cannot be split and is kept whole. Asking for an output the
// answer lacks is the client's error.
func selectOutputs(out *adapters.Response, specs []adapters.OutputSpec) error {
	if len(specs) == 0 || out.Raw != nil {
		return nil
	}
	kept := make([]adapters.Tensor, 0, len(specs))
	for _, s := range specs {
		t := out.Output(s.Name)
		if t == nil {
			return fmt.Errorf("%w: requested output %q is not in the model's answer (outputs: %s)",
				adapters.ErrInvalidInput, s.Name, outputList(out.Outputs))
		}
		kept = append(kept, *t)
	}
	out.Outputs = kept
	return nil
}

// outputList renders output names for an error message.
func outputList(outs []adapters.Tensor) string {
	if len(outs) == 0 {
		return "none"
	}
	names := make([]string, len(outs))
	for i := range outs {
		names[i] = fmt.Sprintf("%q", outs[i].Name)
	}
	return strings.Join(names, ", ")
}
