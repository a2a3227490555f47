// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// column is one dataframe column: element row*stride+offset of a tensor.
type column struct {
	name   string
	t      *adapters.Tensor
	stride int
	offset int
	binary bool
}

// frame is a dataframe layout: its columns and row count. Unnamed frames
// are sent without "columns" (pandas numbers them 0…k-1).
type frame struct {
	cols  []column
	rows  int
	named bool
}

// appendDataframe writes the "dataframe_split" member (pandas "split"
// orient, which MLflow reads with pandas.DataFrame(columns=…, data=…)).
func (a *Adapter) appendDataframe(dst []byte, inputs []adapters.Tensor) ([]byte, error) {
	f, err := a.layout(inputs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err)
	}
	dst = append(dst, `"dataframe_split":{`...)
	if f.named {
		dst = append(dst, `"columns":[`...)
		for j, c := range f.cols {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = jsontext.AppendString(dst, c.name)
		}
		dst = append(dst, "],"...)
	}
	dst = append(dst, `"data":[`...)
	for r := 0; r < f.rows; r++ {
		if r > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		for j, c := range f.cols {
			if j > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendCell(dst, c, r); err != nil {
				return nil, fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err)
			}
		}
		dst = append(dst, ']')
	}
	return append(dst, "]}"...), nil
}

// knownColumns are the dataframe's column names, if known: Options.Columns,
// else the MLmodel signature's input names (column-based signatures only).
func (a *Adapter) knownColumns() []string {
	if len(a.columns) > 0 {
		return a.columns
	}
	if a.mlmodel == nil || !a.mlmodel.inputs.named() || a.mlmodel.inputs.tensor {
		return nil
	}
	names := make([]string, len(a.mlmodel.inputs.specs))
	for i, sp := range a.mlmodel.inputs.specs {
		names[i] = sp.name
	}
	return names
}

// layout maps input tensors to dataframe columns:
//
//   - one input of shape [N] or [N,k] that is not itself a known column is
//     split by position into the k known columns (a [N] tensor is k = 1);
//     k must equal their number. Without known columns a [N,k] input with
//     k > 1 gives an unnamed frame of k columns;
//   - otherwise each input is one column, of shape [N] or [N,1], all with
//     the same N. With known columns each input must be one of them, the
//     required ones must all be present, and columns follow the known
//     order; without, columns are named after the inputs, in request order.
func (a *Adapter) layout(inputs []adapters.Tensor) (frame, error) {
	known := a.knownColumns()
	if len(inputs) == 1 && !slices.Contains(known, inputs[0].Name) {
		if f, ok, err := a.splitOne(&inputs[0], known); ok || err != nil {
			return f, err
		}
	}
	return a.perInput(inputs, known)
}

// splitOne lays out a single input by position. ok is false when the input
// should instead be one column named after itself.
func (a *Adapter) splitOne(t *adapters.Tensor, known []string) (f frame, ok bool, err error) {
	rows, k, err := matrixShape(t)
	if err != nil {
		return f, false, err
	}
	if known == nil {
		if k == 1 {
			return f, false, nil
		}
		f = frame{rows: rows}
		for j := 0; j < k; j++ {
			f.cols = append(f.cols, column{t: t, stride: k, offset: j})
		}
		return f, true, nil
	}
	if k != len(known) {
		return f, false, fmt.Errorf("input %q has %d column(s) (shape %v) but the model's dataframe has %d: %s",
			t.Name, k, t.Shape, len(known), strings.Join(known, ", "))
	}
	f = frame{rows: rows, named: true}
	for j, name := range known {
		f.cols = append(f.cols, column{name: name, t: t, stride: k, offset: j, binary: a.isBinary(name)})
	}
	return f, true, nil
}

// perInput lays out one column per input.
func (a *Adapter) perInput(inputs []adapters.Tensor, known []string) (frame, error) {
	f := frame{rows: -1, named: true}
	for i := range inputs {
		t := &inputs[i]
		rows, k, err := matrixShape(t)
		if err != nil {
			return f, err
		}
		if k != 1 {
			return f, fmt.Errorf("input %q has shape %v; a dataframe column is [N] or [N,1] "+
				"(send one [N,k] tensor alone, or use the inputs format)", t.Name, t.Shape)
		}
		if f.rows >= 0 && rows != f.rows {
			return f, fmt.Errorf("input %q has %d rows, input %q has %d; dataframe columns need the same number",
				t.Name, rows, f.cols[0].name, f.rows)
		}
		if known != nil && !slices.Contains(known, t.Name) {
			return f, fmt.Errorf("input %q is not a column of the model (columns: %s)", t.Name, strings.Join(known, ", "))
		}
		f.rows = rows
		f.cols = append(f.cols, column{name: t.Name, t: t, stride: 1, binary: a.isBinary(t.Name)})
	}
	if known != nil {
		return f, a.orderColumns(&f, known)
	}
	return f, nil
}

// orderColumns sorts f's columns into the known order and checks that the
// required known columns are present.
func (a *Adapter) orderColumns(f *frame, known []string) error {
	for _, name := range known {
		if !slices.ContainsFunc(f.cols, func(c column) bool { return c.name == name }) && a.isRequired(name) {
			return fmt.Errorf("missing input %q: the model's dataframe needs columns %s", name, strings.Join(known, ", "))
		}
	}
	slices.SortStableFunc(f.cols, func(x, y column) int {
		return slices.Index(known, x.name) - slices.Index(known, y.name)
	})
	return nil
}

// matrixShape reads a tensor of shape [N] or [N,k] as N rows of k values.
func matrixShape(t *adapters.Tensor) (rows, k int, err error) {
	switch len(t.Shape) {
	case 1:
		return int(t.Shape[0]), 1, nil
	case 2:
		return int(t.Shape[0]), int(t.Shape[1]), nil
	}
	return 0, 0, fmt.Errorf("input %q has shape %v; dataframe_split takes [N] or [N,k] tensors "+
		"(use the inputs format for other ranks)", t.Name, t.Shape)
}

// isBinary reports whether the signature declares column name binary.
func (a *Adapter) isBinary(name string) bool {
	if a.mlmodel == nil {
		return false
	}
	sp := a.mlmodel.inputs.find(name)
	return sp != nil && sp.binary()
}

// isRequired reports whether column name must be sent: as the signature
// says, and always for Options.Columns the signature does not describe.
func (a *Adapter) isRequired(name string) bool {
	if a.mlmodel != nil {
		if sp := a.mlmodel.inputs.find(name); sp != nil {
			return sp.required
		}
	}
	return true
}

// appendCell writes the value of column c in row r. Floats may be the NaN
// and Infinity tokens, which Python's json reads. BYTES are text (JSON
// strings, which must be UTF-8) or, in binary columns, base64, which
// MLflow decodes for binary columns (cast_df_types_according_to_schema).
func appendCell(dst []byte, c column, r int) ([]byte, error) {
	i := r*c.stride + c.offset
	d := &c.t.Data
	switch c.t.DType {
	case adapters.Bool:
		return jsontext.AppendBool(dst, d.Bool[i]), nil
	case adapters.Int8, adapters.Int16, adapters.Int32:
		return jsontext.AppendInt(dst, int64(d.Int32[i])), nil
	case adapters.Int64:
		return jsontext.AppendInt(dst, d.Int64[i]), nil
	case adapters.Uint8, adapters.Uint16, adapters.Uint32:
		return jsontext.AppendUint(dst, uint64(d.Uint32[i])), nil
	case adapters.Uint64:
		return jsontext.AppendUint(dst, d.Uint64[i]), nil
	case adapters.FP32:
		return jsontext.AppendFloat32(dst, d.FP32[i], true), nil
	case adapters.FP64:
		return jsontext.AppendFloat64(dst, d.FP64[i], 64, true), nil
	case adapters.Bytes:
		return appendBytesCell(dst, c, d.Bytes[i], r)
	}
	return nil, fmt.Errorf("input %q: datatype %s has no JSON form", c.t.Name, c.t.DType)
}

func appendBytesCell(dst []byte, c column, b []byte, r int) ([]byte, error) {
	if c.binary {
		return jsontext.AppendString(dst, base64.StdEncoding.EncodeToString(b)), nil
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("input %q: row %d is not UTF-8 text; MLflow takes bytes only in columns "+
			"its signature declares binary", c.t.Name, r)
	}
	return jsontext.AppendStringBytes(dst, b), nil
}
