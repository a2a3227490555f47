// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// The service schema comes from GET /schema.json rather than /docs.json.
// Read in bentoml/BentoML@32230a52: _bentoml_impl/server/app.py registers
// /schema.json unconditionally but /docs.json only while the opt-in
// "new_index" feature is off, and /schema.json (Service.schema in
// _bentoml_sdk/service/factory.py, APIMethod.schema in _bentoml_sdk/method.py)
// is simpler and richer: {"name", "type": "service", "routes": [{"name",
// "route", "input", "output", "batchable", "is_task"}, …]}, where input and
// output are pydantic JSON schemas in validation mode with their $refs
// inlined. Validation mode keeps BentoML's own markers (validators.py):
// files are {"type": "file", "format": "image"|"binary"|…}, tensors
// {"type": "tensor", "format": "numpy-array", "dtype": "float32",
// "shape": [..]}, and a positional-only (root) parameter's schema carries
// "root_input": true. /docs.json renders the same types in serialization
// mode, where a file is an indistinct {"type": "string", "format": "binary"}.

// paramKind says how a parameter treats a string value.
type paramKind uint8

const (
	// plainParam takes strings as data.
	plainParam paramKind = iota
	// urlParam is a string in format uri (or binary): a URL there is
	// likely fetched by the API's own code.
	urlParam
	// fileParam is a file (Path, PIL.Image, bentoml file types, pydantic
	// path formats): through JSON, BentoML hands the string itself to the
	// API as a path or URL (FileSchema.decode returns str unchanged;
	// multipart and root-input file fields download http(s) URLs), never
	// as content.
	fileParam
)

// param is one parameter of the API's function.
type param struct {
	name     string
	required bool
	kind     paramKind
	typed    bool // dtype is known
	dtype    adapters.DType
	shape    []int64 // -1 for variable dimensions; nil for a scalar
	ranked   bool    // the rank (len(shape)) is known
}

// scalar reports whether the parameter takes a single JSON value.
func (p *param) scalar() bool { return p.typed && p.ranked && len(p.shape) == 0 }

// metadata renders p as OIP tensor metadata named name. Untyped parameters
// (Any, dicts, DataFrames, pydantic models) are listed as BYTES: there is no
// OIP datatype for "any JSON".
func (p *param) metadata(name string) adapters.TensorMetadata {
	m := adapters.TensorMetadata{Name: name, DType: p.dtype, Shape: append([]int64{}, p.shape...)}
	if !p.typed {
		m.DType = adapters.Bytes
	}
	if !p.ranked {
		m.Shape = []int64{-1}
	}
	return m
}

// apiSchema is what /schema.json says of the adapter's API.
type apiSchema struct {
	name      string // the API's method name
	rootInput bool   // one positional-only parameter: the body is its value
	params    []param
	variadic  bool // the function takes *args or **kwargs
	outputs   []param
	rawOutput string // the output media type when it is not JSON
}

// param returns the parameter named name, or nil.
func (s *apiSchema) param(name string) *param {
	for i := range s.params {
		if s.params[i].name == name {
			return &s.params[i]
		}
	}
	return nil
}

// paramNames lists the parameters for error messages.
func (s *apiSchema) paramNames() string {
	names := make([]string, len(s.params))
	for i := range s.params {
		names[i] = fmt.Sprintf("%q", s.params[i].name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// errNoAPI reports a /schema.json without the configured route.
var errNoAPI = errors.New("the service has no such API")

// parseSchema finds the API routed at route (or, failing that, named name)
// in a /schema.json document.
func parseSchema(data []byte, route, name string) (*apiSchema, error) {
	doc, err := jsontext.Parse(data)
	if err != nil {
		return nil, err
	}
	routes := doc.Get("routes")
	if routes.Kind() != jsontext.Array {
		return nil, errors.New(`schema has no "routes" list`)
	}
	r := findRoute(routes, route, name)
	if r == nil {
		return nil, fmt.Errorf("%w: no route %s among %s", errNoAPI, route, routeList(routes))
	}
	s := &apiSchema{name: r.Get("name").Text()}
	s.readInput(r.Get("input"))
	s.readOutput(r.Get("output"))
	return s, nil
}

// findRoute returns the route entry whose "route" is route, else the one
// whose "name" is name.
func findRoute(routes *jsontext.Value, route, name string) *jsontext.Value {
	for i := range routes.Len() {
		if r := routes.Index(i); r.Get("route").Text() == route {
			return r
		}
	}
	for i := range routes.Len() {
		if r := routes.Index(i); r.Get("name").Text() == name {
			return r
		}
	}
	return nil
}

func routeList(routes *jsontext.Value) string {
	var names []string
	for i := range routes.Len() {
		names = append(names, routes.Index(i).Get("route").Text())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// readInput reads the API's input model: an object of named parameters, or
// one root parameter.
func (s *apiSchema) readInput(in *jsontext.Value) {
	if in.Get("root_input").Bool() {
		s.rootInput = true
		p := describe("", in)
		p.required = true
		s.params = []param{p}
		return
	}
	required := map[string]bool{}
	for _, r := range in.Get("required").Elems() {
		required[r.Text()] = true
	}
	for _, m := range in.Get("properties").Members() {
		switch m.Name {
		case "args", "kwargs": // _bentoml_sdk/io_models.py ARGS, KWARGS
			s.variadic = true
			continue
		case "": // not a Python parameter name
			continue
		}
		p := describe(m.Name, &m.Value)
		p.required = required[m.Name]
		s.params = append(s.params, p)
	}
}

// readOutput reads the API's return type: an object with properties is one
// output per property, a non-JSON media type a Raw answer, anything else a
// single unnamed output (named by OutputNames when rendered).
func (s *apiSchema) readOutput(out *jsontext.Value) {
	if mt := out.Get("media_type").Text(); mt != "" && !isJSONMedia(mt) {
		s.rawOutput = mt
		return
	}
	out = resolve(out)
	switch out.Get("type").Text() {
	case "file":
		s.rawOutput = "application/octet-stream"
		return
	case "object":
		if props := out.Get("properties"); props.Len() > 0 {
			for _, m := range props.Members() {
				s.outputs = append(s.outputs, describe(m.Name, &m.Value))
			}
			return
		}
	}
	s.outputs = []param{describe("", out)}
}

// describe reads one parameter's JSON schema: nested arrays give the rank,
// the innermost type the dtype.
func describe(name string, s *jsontext.Value) param {
	p := param{name: name, ranked: true}
	s = resolve(s)
	for depth := 0; s.Get("type").Text() == "array"; depth++ {
		p.shape = append(p.shape, -1)
		items := s.Get("items")
		if items == nil || depth > 32 {
			p.ranked = false
			return p
		}
		s = resolve(items)
	}
	switch s.Get("type").Text() {
	case "number":
		p.dtype, p.typed = adapters.FP64, true
	case "integer":
		p.dtype, p.typed = adapters.Int64, true
	case "boolean":
		p.dtype, p.typed = adapters.Bool, true
	case "string":
		p.dtype, p.typed = adapters.Bytes, true
		p.kind = stringKind(s.Get("format").Text())
	case "file":
		p.dtype, p.typed, p.kind = adapters.Bytes, true, fileParam
	case "tensor":
		p.describeTensor(s)
	default: // Any, dict, pydantic models, DataFrames: any JSON
		p.ranked = false
	}
	return p
}

// stringKind classifies a string parameter by its JSON-schema format.
func stringKind(format string) paramKind {
	switch format {
	case "uri", "uri-reference", "iri", "binary":
		return urlParam
	case "path", "file-path", "directory-path":
		return fileParam
	}
	return plainParam
}

// describeTensor reads BentoML's TensorSchema marker: its dtype (a NumPy,
// torch or TensorFlow dtype name) and optional fixed shape.
func (p *param) describeTensor(s *jsontext.Value) {
	p.dtype, p.typed = dtypeOf(s.Get("dtype").Text())
	shape := s.Get("shape")
	if shape.Kind() != jsontext.Array {
		p.ranked = false
		return
	}
	for _, d := range shape.Elems() {
		n, err := d.Int64()
		if err != nil || n < 0 {
			n = -1
		}
		p.shape = append(p.shape, n)
	}
}

// dtypeOf maps a framework dtype name to a DType; an unknown or absent one
// leaves the tensor untyped.
func dtypeOf(name string) (adapters.DType, bool) {
	name = strings.TrimPrefix(strings.TrimPrefix(name, "torch."), "tf.")
	switch name {
	case "float16", "half":
		return adapters.FP16, true
	case "bfloat16":
		return adapters.BF16, true
	case "float32", "float":
		return adapters.FP32, true
	case "float64", "double":
		return adapters.FP64, true
	case "int8":
		return adapters.Int8, true
	case "int16", "short":
		return adapters.Int16, true
	case "int32", "int":
		return adapters.Int32, true
	case "int64", "long":
		return adapters.Int64, true
	case "uint8":
		return adapters.Uint8, true
	case "uint16":
		return adapters.Uint16, true
	case "uint32":
		return adapters.Uint32, true
	case "uint64":
		return adapters.Uint64, true
	case "bool":
		return adapters.Bool, true
	case "str", "string", "bytes", "object":
		return adapters.Bytes, true
	}
	return adapters.Invalid, false
}

// resolve steps through pydantic's wrappers: Optional[X] is
// {"anyOf": [X, {"type": "null"}]}, and allOf/oneOf hold single
// alternatives; the first alternative that is not null stands for the type
// (BentoML's own _flatten_field takes anyOf[0] the same way).
func resolve(s *jsontext.Value) *jsontext.Value {
	for range 8 {
		alts := s.Get("anyOf")
		if alts == nil {
			alts = s.Get("oneOf")
		}
		if alts == nil {
			alts = s.Get("allOf")
		}
		if alts.Len() == 0 {
			return s
		}
		next := alts.Index(0)
		for _, a := range alts.Elems() {
			if a.Get("type").Text() != "null" {
				next = &a
				break
			}
		}
		s = next
	}
	return s
}
