// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
	"github.com/modelgate/modelgate/adapters/jsontext"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// errIrregular marks predictions that have no tensor form.
var errIrregular = errors.New("predictions have no tensor form")

// decodeResponse turns an /invocations answer into a Response
// (PROTOCOLS.md §3.3). The server writes {"predictions": X} (plus any
// metadata keys, which are ignored), X being the model's result made
// JSON-able by _get_jsonable_obj: a numpy array as nested lists, a
// DataFrame or Series as a list of records. Unified-LLM requests are
// answered unwrapped.
//
//   - a list of scalars is one tensor [N]; a list of equal-length lists
//     one tensor [N,k,…];
//   - a list of records (objects) is one tensor [N] per column, named by
//     the column, in the first record's key order;
//   - an object is one tensor per member (a dict of arrays);
//   - a bare scalar is a tensor of shape [];
//   - an unwrapped answer that is an array is read the same way; any other
//     unwrapped answer, and predictions with no tensor form (ragged lists,
//     mixed kinds, nested objects), come back as a Raw application/json
//     payload holding the whole body.
//
// Unnamed tensors are named Options.OutputNames[i], else the signature's
// output name, else "output-i". Datatypes are the MLmodel signature's
// (long → INT64, float → FP32, binary → BYTES, base64-decoded, …) when it
// describes the output and its values fit; else JSON's: integers INT64,
// numbers with a fraction or NaN FP64, strings BYTES, booleans BOOL.
func (a *Adapter) decodeResponse(data []byte, want []adapters.OutputSpec) (*adapters.Response, error) {
	root, err := jsontext.Parse(data)
	if err != nil {
		return nil, jsonhttp.Malformed(err)
	}
	x := root.Get("predictions")
	if x == nil {
		if root.Kind() != jsontext.Array {
			return rawResponse(data), nil
		}
		x = root
	}
	outs, err := a.tensors(x)
	if errors.Is(err, errIrregular) {
		return rawResponse(data), nil
	}
	if err != nil {
		return nil, jsonhttp.Malformed(err)
	}
	if outs, err = selectOutputs(outs, want); err != nil {
		return nil, err
	}
	return &adapters.Response{Outputs: outs}, nil
}

func rawResponse(data []byte) *adapters.Response {
	return &adapters.Response{Raw: &adapters.Payload{ContentType: contentTypeJSON, Data: data}}
}

// tensors reads predictions x.
func (a *Adapter) tensors(x *jsontext.Value) ([]adapters.Tensor, error) {
	switch x.Kind() {
	case jsontext.Object:
		return a.members(x)
	case jsontext.Array:
		if first := x.Index(0); first.Kind() == jsontext.Object {
			return a.records(x)
		}
	case jsontext.Null:
		return nil, errIrregular
	}
	t, err := a.tensor(a.unnamed(0), x, a.unnamedSpec(0))
	if err != nil {
		return nil, err
	}
	return []adapters.Tensor{t}, nil
}

// members reads an object of arrays, one tensor per member.
func (a *Adapter) members(x *jsontext.Value) ([]adapters.Tensor, error) {
	ms := x.Members()
	outs := make([]adapters.Tensor, 0, len(ms))
	for i := range ms {
		t, err := a.tensor(ms[i].Name, &ms[i].Value, a.namedSpec(ms[i].Name))
		if err != nil {
			return nil, err
		}
		outs = append(outs, t)
	}
	return outs, nil
}

// records reads a DataFrame's records, one tensor per column. pandas
// writes every record with the same keys in the same order; other orders
// are accepted, missing or extra keys are not.
func (a *Adapter) records(x *jsontext.Value) ([]adapters.Tensor, error) {
	rows := x.Elems()
	cols := rows[0].Members()
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: records without columns", errIrregular)
	}
	bufs := make([][]byte, len(cols))
	for r := range rows {
		ms := rows[r].Members()
		if len(ms) != len(cols) {
			return nil, fmt.Errorf("%w: record %d does not have the columns of record 0", errIrregular, r)
		}
		for j := range cols {
			v := &ms[j].Value
			if ms[j].Name != cols[j].Name {
				if v = rows[r].Get(cols[j].Name); v == nil {
					return nil, fmt.Errorf("%w: record %d has no column %q", errIrregular, r, cols[j].Name)
				}
			}
			bufs[j] = v.AppendJSON(append(bufs[j], ','))
		}
	}
	outs := make([]adapters.Tensor, 0, len(cols))
	for j, c := range cols {
		bufs[j][0] = '[' // the first element's separator
		cv, err := jsontext.Parse(append(bufs[j], ']'))
		if err != nil {
			return nil, err
		}
		t, err := a.tensor(c.Name, cv, a.namedSpec(c.Name))
		if err != nil {
			return nil, err
		}
		outs = append(outs, t)
	}
	return outs, nil
}

// tensor converts one JSON value, with the datatype of its signature spec
// sp (nil if none) when the values fit it, else JSON's own.
func (a *Adapter) tensor(name string, v *jsontext.Value, sp *spec) (adapters.Tensor, error) {
	if name == "" {
		// A column or key named "" cannot name a tensor: the answer is
		// passed on as raw JSON, like any other answer not tensor-shaped.
		return adapters.Tensor{}, fmt.Errorf("%w: an output has an empty name", errIrregular)
	}
	if sp != nil && sp.dtype.JSONSupported() {
		if t, err := v1json.TensorFromValue(name, v, sp.dtype); err == nil {
			if sp.binary() {
				decodeBase64(&t)
			}
			return t, nil
		}
	}
	t, err := v1json.TensorFromValue(name, v, adapters.Invalid)
	if err != nil {
		return t, fmt.Errorf("%w: %q: %v", errIrregular, name, err)
	}
	return t, nil
}

// decodeBase64 decodes a binary output's base64 (NumpyEncoder writes
// base64.encodebytes, with a newline every 76 characters). If a value is
// not base64 the tensor is left as it is.
func decodeBase64(t *adapters.Tensor) {
	dec := make([][]byte, len(t.Data.Bytes))
	for i, b := range t.Data.Bytes {
		d, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
		if err != nil {
			return
		}
		dec[i] = d
	}
	t.Data.Bytes = dec
}

// namedSpec is the signature's output spec named name, or nil.
func (a *Adapter) namedSpec(name string) *spec {
	if a.mlmodel == nil {
		return nil
	}
	return a.mlmodel.outputs.find(name)
}

// unnamedSpec is the signature's i-th output spec, or nil.
func (a *Adapter) unnamedSpec(i int) *spec {
	if a.mlmodel == nil || a.mlmodel.outputs == nil || i >= len(a.mlmodel.outputs.specs) {
		return nil
	}
	return &a.mlmodel.outputs.specs[i]
}

// unnamed is the name of the i-th unnamed output.
func (a *Adapter) unnamed(i int) string {
	var sigName string
	if a.mlmodel != nil && a.mlmodel.outputs != nil && i < len(a.mlmodel.outputs.specs) {
		sigName = a.mlmodel.outputs.specs[i].name
	}
	if i < len(a.outNames) {
		return a.outNames[i]
	}
	return specName(sigName, i, nil, "output-")
}

// selectOutputs keeps the requested outputs, in the order requested; nil
// want keeps all. MLflow has no output selection, so a requested output
// the answer lacks wraps ErrInvalidInput: the model has no such output.
func selectOutputs(outs []adapters.Tensor, want []adapters.OutputSpec) ([]adapters.Tensor, error) {
	if want == nil {
		return outs, nil
	}
	sel := make([]adapters.Tensor, 0, len(want))
	for _, w := range want {
		i := indexOf(outs, w.Name)
		if i < 0 {
			names := make([]string, len(outs))
			for j := range outs {
				names[j] = outs[j].Name
			}
			return nil, fmt.Errorf("%w: requested output %q is not among the model's outputs (%s)",
				adapters.ErrInvalidInput, w.Name, strings.Join(names, ", "))
		}
		sel = append(sel, outs[i])
	}
	return sel, nil
}

func indexOf(ts []adapters.Tensor, name string) int {
	for i := range ts {
		if ts[i].Name == name {
			return i
		}
	}
	return -1
}
