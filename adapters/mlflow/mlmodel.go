// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/modelgate/modelgate/adapters"
)

// maxMLmodelBytes bounds the MLmodel file read (real ones are a few KiB).
const maxMLmodelBytes = 4 << 20

// mlmodel is what the adapter uses of an MLmodel file: its signature. A
// nil schema means the file declares none.
type mlmodel struct {
	inputs, outputs *schema
}

// schema is an MLflow Schema (mlflow/types/schema.py): a list of column
// specs (ColSpec) or of tensor specs (TensorSpec), all named or all
// unnamed.
type schema struct {
	tensor bool
	specs  []spec
}

// spec is one ColSpec or TensorSpec in OIP terms.
type spec struct {
	name     string // "" when unnamed
	typ      string // the MLflow type: "double", "binary", "tensor", "array", …
	dtype    adapters.DType
	shape    []int64 // a column is [-1]; a tensor spec has its own shape
	required bool
}

// binary reports whether the spec is a binary column, whose values travel
// base64-encoded in dataframes and in answers (NumpyEncoder).
func (s *spec) binary() bool { return s.typ == "binary" }

// named reports whether the schema's specs have names.
func (s *schema) named() bool { return s != nil && len(s.specs) > 0 && s.specs[0].name != "" }

// find returns the spec named name, or nil.
func (s *schema) find(name string) *spec {
	if s == nil {
		return nil
	}
	for i := range s.specs {
		if s.specs[i].name == name {
			return &s.specs[i]
		}
	}
	return nil
}

// readMLmodel reads and parses the MLmodel file at path.
func readMLmodel(path string) (*mlmodel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMLmodelBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMLmodelBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes, not an MLmodel file", path, maxMLmodelBytes)
	}
	m, err := parseMLmodel(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// mlmodelFile is the part of the MLmodel YAML the adapter reads. The
// signature's inputs and outputs are JSON documents held in YAML strings:
//
//	signature:
//	  inputs: '[{"type": "double", "name": "sepal_length", "required": true}]'
//	  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
//	  params: null
type mlmodelFile struct {
	Signature *struct {
		Inputs  string `yaml:"inputs"`
		Outputs string `yaml:"outputs"`
	} `yaml:"signature"`
}

// parseMLmodel parses the contents of an MLmodel file.
func parseMLmodel(data []byte) (*mlmodel, error) {
	var f mlmodelFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("MLmodel: %v", err)
	}
	m := &mlmodel{}
	if f.Signature == nil {
		return m, nil
	}
	var err error
	if m.inputs, err = parseSchema(f.Signature.Inputs); err != nil {
		return nil, fmt.Errorf("MLmodel signature.inputs: %w", err)
	}
	if m.outputs, err = parseSchema(f.Signature.Outputs); err != nil {
		return nil, fmt.Errorf("MLmodel signature.outputs: %w", err)
	}
	return m, nil
}

// specJSON is one ColSpec or TensorSpec as Schema.to_json writes it.
// "required" is absent from files written before MLflow 2.10 and means
// true then (ColSpec's default).
type specJSON struct {
	Type       string          `json:"type"`
	Name       *string         `json:"name"`
	Required   *bool           `json:"required"`
	Items      json.RawMessage `json:"items"`
	TensorSpec *struct {
		DType string  `json:"dtype"`
		Shape []int64 `json:"shape"`
	} `json:"tensor-spec"`
}

// parseSchema parses a schema's JSON text; "" or "null" is no schema.
func parseSchema(text string) (*schema, error) {
	text = strings.TrimSpace(text)
	if text == "" || text == "null" {
		return nil, nil
	}
	var raw []specJSON
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, err
	}
	s := &schema{specs: make([]spec, 0, len(raw))}
	for i, r := range raw {
		sp, err := r.spec()
		if err != nil {
			return nil, fmt.Errorf("spec %d: %w", i, err)
		}
		s.tensor = s.tensor || r.Type == "tensor"
		s.specs = append(s.specs, sp)
	}
	return s, nil
}

func (r *specJSON) spec() (spec, error) {
	sp := spec{typ: r.Type, required: r.Required == nil || *r.Required}
	if r.Name != nil {
		sp.name = *r.Name
	}
	switch r.Type {
	case "tensor":
		if r.TensorSpec == nil {
			return sp, fmt.Errorf("tensor spec without \"tensor-spec\"")
		}
		sp.dtype = numpyDType(r.TensorSpec.DType)
		sp.shape = r.TensorSpec.Shape
		if sp.shape == nil {
			sp.shape = []int64{}
		}
	case "array":
		sp.dtype, sp.shape = arrayType(r.Items, 1)
	default:
		sp.dtype, sp.shape = columnDTypes[r.Type], []int64{-1}
	}
	return sp, nil
}

// arrayType is the element datatype and shape of an Array column: one
// more variable dimension per nesting level (Array of Array of double is
// [-1, -1, -1]).
func arrayType(items json.RawMessage, depth int) (adapters.DType, []int64) {
	var it specJSON
	if depth < 16 && json.Unmarshal(items, &it) == nil && it.Type == "array" {
		return arrayType(it.Items, depth+1)
	}
	shape := make([]int64, depth+1)
	for i := range shape {
		shape[i] = -1
	}
	return columnDTypes[it.Type], shape
}

// columnDTypes maps MLflow DataType names (mlflow/types/schema.py) to OIP
// datatypes. Strings, binaries and datetimes (ISO-8601 text) are BYTES;
// "object", "map" and "any" have no tensor form and are Invalid.
var columnDTypes = map[string]adapters.DType{
	"boolean":  adapters.Bool,
	"integer":  adapters.Int32,
	"long":     adapters.Int64,
	"float":    adapters.FP32,
	"double":   adapters.FP64,
	"string":   adapters.Bytes,
	"binary":   adapters.Bytes,
	"datetime": adapters.Bytes,
}

// numpyDTypes maps numpy dtype names (TensorInfo.to_dict writes
// dtype.name) to OIP datatypes.
var numpyDTypes = map[string]adapters.DType{
	"bool":    adapters.Bool,
	"int8":    adapters.Int8,
	"int16":   adapters.Int16,
	"int32":   adapters.Int32,
	"int64":   adapters.Int64,
	"uint8":   adapters.Uint8,
	"uint16":  adapters.Uint16,
	"uint32":  adapters.Uint32,
	"uint64":  adapters.Uint64,
	"float16": adapters.FP16,
	"float32": adapters.FP32,
	"float64": adapters.FP64,
	"object":  adapters.Bytes,
}

// numpyDType maps a numpy dtype name; fixed-width text and bytes dtypes
// are named with their bit width ("str320", "bytes40").
func numpyDType(name string) adapters.DType {
	if dt, ok := numpyDTypes[name]; ok {
		return dt
	}
	if strings.HasPrefix(name, "str") || strings.HasPrefix(name, "bytes") {
		return adapters.Bytes
	}
	return adapters.Invalid
}
