// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/adapters"
)

// The metadata answer (PROTOCOLS.md §1.3, read from
// model_servers/http_rest_api_util.cc ToJsonString and the testdata file
// saved_model_half_plus_two_2_versions_metadata.json): proto JSON with
// preserved field names and default values printed, the SignatureDefMap
// nested under a doubled "signature_def" key, enum dtypes as names
// ("DT_FLOAT") and int64 fields (dim sizes, the version) as strings ("-1").
type metadataBody struct {
	ModelSpec struct {
		Name    string     `json:"name"`
		Version protoInt64 `json:"version"`
	} `json:"model_spec"`
	Metadata struct {
		SignatureDef struct {
			SignatureDef map[string]signatureDef `json:"signature_def"`
		} `json:"signature_def"`
	} `json:"metadata"`
}

type signatureDef struct {
	Inputs     map[string]tensorInfo `json:"inputs"`
	Outputs    map[string]tensorInfo `json:"outputs"`
	MethodName string                `json:"method_name"`
}

type tensorInfo struct {
	DType       string `json:"dtype"`
	TensorShape struct {
		Dim []struct {
			Size protoInt64 `json:"size"`
		} `json:"dim"`
		UnknownRank bool `json:"unknown_rank"`
	} `json:"tensor_shape"`
}

// protoInt64 is a proto3 JSON int64: a decimal string as protobuf prints it,
// or a bare number, which proto3 JSON parsers also accept. null and "" are
// taken as absent.
type protoInt64 struct {
	v   int64
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *protoInt64) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "" {
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("int64 field: %s is not an integer", b)
	}
	p.v, p.set = v, true
	return nil
}

// signature is one SignatureDef in OIP terms. Tensors are sorted by name:
// TF Serving's signature maps are protobuf maps, which have no order. A
// tensor of unknown rank has a nil Shape; a scalar has an empty, non-nil one.
type signature struct {
	name    string
	inputs  []adapters.TensorMetadata
	outputs []adapters.TensorMetadata
}

// parseMetadata decodes a metadata answer and picks signature sigName. A
// missing signature wraps ErrModelNotFound: the configured servable (model
// and signature) does not exist; the message lists the ones that do.
func parseMetadata(data []byte, sigName string) (*adapters.ModelMetadata, *signature, error) {
	var body metadataBody
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, nil, fmt.Errorf("%w: metadata: %v", adapters.ErrBadUpstream, err)
	}
	defs := body.Metadata.SignatureDef.SignatureDef
	def, ok := defs[sigName]
	if !ok {
		names := make([]string, 0, len(defs))
		for n := range defs {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, nil, fmt.Errorf("%w: signature %q not found (model has: %s)",
			adapters.ErrModelNotFound, sigName, strings.Join(names, ", "))
	}
	sig := &signature{name: sigName, inputs: tensorList(def.Inputs), outputs: tensorList(def.Outputs)}
	md := &adapters.ModelMetadata{
		Name:     body.ModelSpec.Name,
		Platform: Platform,
		Inputs:   cloneMetadata(sig.inputs),
		Outputs:  cloneMetadata(sig.outputs),
	}
	if body.ModelSpec.Version.set {
		md.Versions = []string{strconv.FormatInt(body.ModelSpec.Version.v, 10)}
	}
	return md, sig, nil
}

// Platform is the ModelMetadata.Platform this adapter reports.
const Platform = "tensorflow"

// tensorList converts a signature map to metadata sorted by name.
func tensorList(m map[string]tensorInfo) []adapters.TensorMetadata {
	out := make([]adapters.TensorMetadata, 0, len(m))
	for name, ti := range m {
		tm := adapters.TensorMetadata{Name: name, DType: dtypeOf(ti.DType)}
		if !ti.TensorShape.UnknownRank {
			tm.Shape = make([]int64, 0, len(ti.TensorShape.Dim))
			for _, d := range ti.TensorShape.Dim {
				tm.Shape = append(tm.Shape, d.Size.v)
			}
		}
		out = append(out, tm)
	}
	slices.SortFunc(out, func(a, b adapters.TensorMetadata) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// tfDTypes maps TensorFlow DataType enum names (types.proto) to OIP
// datatypes. DT_STRING carries arbitrary bytes. Types with no OIP
// counterpart (complex, quantized, resource, variant, …) map to Invalid.
var tfDTypes = map[string]adapters.DType{
	"DT_FLOAT":    adapters.FP32,
	"DT_DOUBLE":   adapters.FP64,
	"DT_INT32":    adapters.Int32,
	"DT_UINT8":    adapters.Uint8,
	"DT_INT16":    adapters.Int16,
	"DT_INT8":     adapters.Int8,
	"DT_STRING":   adapters.Bytes,
	"DT_INT64":    adapters.Int64,
	"DT_BOOL":     adapters.Bool,
	"DT_UINT16":   adapters.Uint16,
	"DT_HALF":     adapters.FP16,
	"DT_UINT32":   adapters.Uint32,
	"DT_UINT64":   adapters.Uint64,
	"DT_BFLOAT16": adapters.BF16,
}

func dtypeOf(name string) adapters.DType {
	return tfDTypes[name] // Invalid when absent
}

// cloneMetadata deep-copies tensor metadata, keeping nil shapes nil.
func cloneMetadata(in []adapters.TensorMetadata) []adapters.TensorMetadata {
	out := make([]adapters.TensorMetadata, len(in))
	for i, t := range in {
		out[i] = adapters.TensorMetadata{Name: t.Name, DType: t.DType, Shape: slices.Clone(t.Shape)}
	}
	return out
}
