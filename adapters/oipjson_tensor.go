// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/modelgate/modelgate/adapters/jsontext"
)

// tensors reads "inputs" or "outputs": an array of tensor objects. list is
// the key ("inputs"), side names one tensor in messages ("input").
func (c *oipDecoder) tensors(list, side string) ([]Tensor, error) {
	if ok, err := c.arrayStart(list, c.lenient); !ok {
		return nil, err
	}
	var ts []Tensor
	for i := 0; c.d.More(); i++ {
		p := pathsOf(list, i)
		ts = append(ts, Tensor{})
		t := &ts[len(ts)-1]
		if err := c.tensor(t, &p, side); err != nil {
			return nil, err
		}
		for j := range ts[:len(ts)-1] {
			if ts[j].Name == t.Name {
				return nil, fmt.Errorf("%s: duplicate %s %q", p.name, side, t.Name)
			}
		}
	}
	return ts, c.d.ReadArrayEnd()
}

// tensorPaths are the paths of a tensor and its members in error messages:
// "inputs[0]", "inputs[0].name" and so on.
type tensorPaths struct {
	self, name, shape, datatype, parameters string
}

// pathsOf gives the paths of tensor i of list. Those of the first few
// tensors are built once (commonPaths), so that decoding allocates no
// strings for messages it will not write.
func pathsOf(list string, i int) tensorPaths {
	if i < len(commonPaths[0]) {
		switch list {
		case "inputs":
			return commonPaths[0][i]
		case "outputs":
			return commonPaths[1][i]
		}
	}
	return newTensorPaths(list, i)
}

func newTensorPaths(list string, i int) tensorPaths {
	self := list + "[" + strconv.Itoa(i) + "]"
	return tensorPaths{self, self + ".name", self + ".shape", self + ".datatype", self + ".parameters"}
}

// commonPaths holds the paths of the first four inputs and outputs.
var commonPaths = func() (p [2][4]tensorPaths) {
	for i := range p[0] {
		p[0][i], p[1][i] = newTensorPaths("inputs", i), newTensorPaths("outputs", i)
	}
	return p
}()

// Tensor keys.
const (
	tenName uint = iota
	tenShape
	tenDatatype
	tenParameters
	tenData
)

// tensorFields tracks a tensor object while it is read; data that comes
// before name, shape or datatype is kept as a byte range and decoded at the
// end.
type tensorFields struct {
	seen       keySet
	dataStart  int
	dataEnd    int
	dataLoaded bool
}

func (c *oipDecoder) tensor(t *Tensor, p *tensorPaths, side string) error {
	if _, err := c.objectStart(p.self, false); err != nil {
		return err
	}
	var f tensorFields
	var unknown map[string]struct{}
	for c.d.More() {
		key, err := c.d.ReadObjectKeyBytes()
		if err != nil {
			return err
		}
		if err = c.tensorField(t, &f, key, p, side, &unknown); err != nil {
			return err
		}
	}
	if err := c.d.ReadObjectEnd(); err != nil {
		return err
	}
	return c.tensorEnd(t, &f, p.self, side)
}

func (c *oipDecoder) tensorField(t *Tensor, f *tensorFields, key []byte, p *tensorPaths, side string, unknown *map[string]struct{}) error {
	var err error
	switch string(key) {
	case "name":
		if err = f.seen.mark(tenName, p.self, "name"); err == nil {
			t.Name, err = c.str(p.name)
		}
	case "shape":
		if err = f.seen.mark(tenShape, p.self, "shape"); err == nil {
			t.Shape, err = c.shape(p.shape, false)
		}
	case "datatype":
		if err = f.seen.mark(tenDatatype, p.self, "datatype"); err == nil {
			t.DType, err = c.datatype(p.datatype)
		}
	case "parameters":
		if err = f.seen.mark(tenParameters, p.self, "parameters"); err == nil {
			t.Parameters, err = c.params(p.parameters)
		}
	case "data":
		if err = f.seen.mark(tenData, p.self, "data"); err == nil {
			err = c.tensorData(t, f, side)
		}
	default:
		err = c.skipUnknown(p.self, key, unknown)
	}
	return err
}

// tensorData decodes data now if name, shape and datatype are known, and
// otherwise records where it is.
func (c *oipDecoder) tensorData(t *Tensor, f *tensorFields, side string) error {
	const needed = 1<<tenName | 1<<tenShape | 1<<tenDatatype
	if f.seen&needed == needed && t.Name != "" {
		f.dataLoaded = true
		return c.readData(c.d, t, side, len(c.data)-c.d.Offset())
	}
	raw, err := c.d.ReadRaw()
	if err != nil {
		return err
	}
	f.dataEnd = c.d.Offset()
	f.dataStart = f.dataEnd - len(raw)
	return nil
}

// tensorEnd checks the required members and decodes deferred data.
func (c *oipDecoder) tensorEnd(t *Tensor, f *tensorFields, path, side string) error {
	switch {
	case f.seen&(1<<tenName) == 0:
		return fmt.Errorf("%s.name: missing", path)
	case t.Name == "":
		return fmt.Errorf("%s.name: must not be empty", path)
	case f.seen&(1<<tenShape) == 0:
		return fmt.Errorf("%s.shape: missing", path)
	case f.seen&(1<<tenDatatype) == 0:
		return fmt.Errorf("%s.datatype: missing", path)
	case f.seen&(1<<tenData) == 0:
		if _, ok := t.Parameters[ParamBinaryDataSize]; ok {
			switch {
			case side != "input":
				return fmt.Errorf("%s %q: binary tensor data is not supported", side, t.Name)
			case c.binary:
				return nil // DecodeRequestBinary fills it
			}
			return fmt.Errorf("%s %q: %w", side, t.Name, errBinaryNoData)
		}
		return fmt.Errorf("%s.data: missing", path)
	case c.binary && t.Parameters[ParamBinaryDataSize] != nil:
		return fmt.Errorf("%s %q: has both data and %s", side, t.Name, ParamBinaryDataSize)
	case f.dataLoaded:
		return nil
	}
	d := jsontext.NewDecoderRange(c.data, f.dataStart, f.dataEnd)
	if err := c.readData(d, t, side, f.dataEnd-f.dataStart); err != nil {
		return err
	}
	return d.Finish()
}

// datatype reads a datatype name, rejecting the types JSON cannot carry.
func (c *oipDecoder) datatype(path string) (DType, error) {
	s, err := c.d.ReadStringBytes() // no string: the name is only looked up
	if err != nil {
		return Invalid, jsonErr(path, err)
	}
	dt := dtypeOf(s)
	if dt == Invalid {
		_, err = ParseDType(string(s))
		return Invalid, fmt.Errorf("%s: %v", path, err)
	}
	if !dt.JSONSupported() {
		return Invalid, fmt.Errorf("%s: %s is not supported (no adapter can carry it, in JSON or binary); use FP32", path, dt)
	}
	return dt, nil
}

// shape reads a shape: an array of non-negative integers (or -1 where
// variable is true, for metadata), whose element count must not overflow.
func (c *oipDecoder) shape(path string, variable bool) ([]int64, error) {
	if err := c.d.ReadArrayStart(); err != nil {
		return nil, jsonErr(path, err)
	}
	shape := []int64{}
	for i := 0; c.d.More(); i++ {
		v, err := c.d.ReadInt64()
		if err != nil {
			return nil, c.dimError(path, i, err)
		}
		if v < 0 && !(variable && v == -1) {
			return nil, fmt.Errorf("%s[%d]: %d is negative", path, i, v)
		}
		if len(shape) >= jsontext.MaxDepth {
			return nil, fmt.Errorf("%s: more than %d dimensions", path, jsontext.MaxDepth)
		}
		shape = append(shape, v)
	}
	if err := c.d.ReadArrayEnd(); err != nil {
		return nil, err
	}
	if !variable {
		if _, err := NumElements(shape); err != nil {
			return nil, fmt.Errorf("%s: %v: %v", path, shape, err)
		}
	}
	return shape, nil
}

func (c *oipDecoder) dimError(path string, i int, err error) error {
	var ve *jsontext.ValueError
	if !errors.As(err, &ve) {
		return err
	}
	raw, rerr := c.d.ReadRaw()
	if rerr != nil {
		return rerr
	}
	return fmt.Errorf("%s[%d]: %s is not an integer dimension", path, i, quoteRaw(raw))
}

// quoteRaw bounds a raw JSON value for an error message.
func quoteRaw(raw []byte) string {
	const limit = 40
	if len(raw) <= limit {
		return string(raw)
	}
	cut := limit
	for cut > 0 && raw[cut]&0xC0 == 0x80 {
		cut-- // do not split a UTF-8 sequence
	}
	return string(raw[:cut]) + "…"
}
