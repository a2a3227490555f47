// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/modelgate/modelgate/adapters/jsontext"
)

// oipDecoder decodes one OIP JSON document. lenient marks upstream bodies
// (responses, metadata): null optionals are accepted and non-scalar
// parameters dropped.
type oipDecoder struct {
	data    []byte
	d       *jsontext.Decoder
	lenient bool
	// scan checks tensor data without keeping it (ScanResponse).
	scan bool
	// binary lets inputs with a binary_data_size come without data
	// (DecodeRequestBinary).
	binary bool
	// altered records that leniency changed what is kept: a null taken as
	// absent, a parameter or unknown member dropped.
	altered bool
	// outputs is the response's "outputs" array as written, when scan is
	// set and nothing in it was altered.
	outputs []byte
}

func newOIPDecoder(data []byte, lenient bool) *oipDecoder {
	return &oipDecoder{data: data, d: jsontext.NewDecoder(data), lenient: lenient}
}

// jsonErr turns a jsontext error into a message naming path: a *ValueError
// (wrong kind) becomes "path: found string, want number"; syntax errors pass
// through unchanged, since their offset locates them.
func jsonErr(path string, err error) error {
	if err == nil {
		return nil // before the declaration below, which allocates
	}
	var ve *jsontext.ValueError
	if errors.As(err, &ve) {
		return fmt.Errorf("%s: %s", path, ve.Msg)
	}
	return err
}

// keySet tracks which known keys an object has had, to reject duplicates.
type keySet uint16

// mark records key bit i and reports a duplicate.
func (k *keySet) mark(i uint, path, key string) error {
	if *k&(1<<i) != 0 {
		return fmt.Errorf("%s: duplicate key %q", path, key)
	}
	*k |= 1 << i
	return nil
}

// skipUnknown skips the value of an unknown key, rejecting duplicates of it.
func (c *oipDecoder) skipUnknown(path string, key []byte, seen *map[string]struct{}) error {
	if *seen == nil {
		*seen = make(map[string]struct{})
	}
	if _, dup := (*seen)[string(key)]; dup {
		return fmt.Errorf("%s: duplicate key %q", path, key)
	}
	(*seen)[string(key)] = struct{}{}
	c.altered = true
	return c.d.Skip()
}

// members reads the members of an object already opened at path. A key
// listed in keys (at index i) is read by field(i), at most once; any other
// key's value is skipped (it must still be valid JSON and not repeated). It
// stops before the closing brace and returns the listed keys seen.
func (c *oipDecoder) members(path string, keys []string, field func(i uint) error) (keySet, error) {
	var seen keySet
	var unknown map[string]struct{}
	for c.d.More() {
		key, err := c.d.ReadObjectKeyBytes()
		if err != nil {
			return seen, err
		}
		i := keyIndex(keys, key)
		switch {
		case i < 0:
			err = c.skipUnknown(path, key, &unknown)
		default:
			if err = seen.mark(uint(i), path, keys[i]); err == nil {
				err = field(uint(i))
			}
		}
		if err != nil {
			return seen, err
		}
	}
	return seen, nil
}

// keyIndex is the index of key in keys, or -1.
func keyIndex(keys []string, key []byte) int {
	for i, k := range keys {
		if string(key) == k {
			return i
		}
	}
	return -1
}

// objectStart opens an object; a null is reported as absent when allowed.
func (c *oipDecoder) objectStart(path string, nullOK bool) (present bool, err error) {
	if nullOK && c.d.PeekKind() == jsontext.Null {
		c.altered = true
		return false, c.d.ReadNull()
	}
	if err := c.d.ReadObjectStart(); err != nil {
		return false, jsonErr(path, err)
	}
	return true, nil
}

// arrayStart opens an array; a null is reported as absent when allowed.
func (c *oipDecoder) arrayStart(path string, nullOK bool) (present bool, err error) {
	if nullOK && c.d.PeekKind() == jsontext.Null {
		c.altered = true
		return false, c.d.ReadNull()
	}
	if err := c.d.ReadArrayStart(); err != nil {
		return false, jsonErr(path, err)
	}
	return true, nil
}

// str reads a string; null gives "" when the decoder is lenient.
func (c *oipDecoder) str(path string) (string, error) {
	if c.lenient && c.d.PeekKind() == jsontext.Null {
		c.altered = true
		return "", c.d.ReadNull()
	}
	s, err := c.d.ReadString()
	return s, jsonErr(path, err)
}

// finish closes the top-level object and checks nothing follows.
func (c *oipDecoder) finish() error {
	if err := c.d.ReadObjectEnd(); err != nil {
		return err
	}
	return c.d.Finish()
}

// Request keys.
const (
	reqID uint = iota
	reqParameters
	reqInputs
	reqOutputs
)

// requestKeys are the request members, indexed by the req* constants.
var requestKeys = []string{reqID: "id", reqParameters: "parameters", reqInputs: "inputs", reqOutputs: "outputs"}

func (c *oipDecoder) request() (*Request, error) {
	r := &Request{}
	if _, err := c.objectStart("request", false); err != nil {
		return nil, err
	}
	seen, err := c.members("request", requestKeys, func(i uint) (err error) {
		switch i {
		case reqID:
			r.ID, err = c.str("id")
		case reqParameters:
			r.Parameters, err = c.params("parameters")
		case reqInputs:
			r.Inputs, err = c.tensors("inputs", "input")
		case reqOutputs:
			r.Outputs, err = c.outputSpecs()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	if seen&(1<<reqInputs) == 0 {
		return nil, errors.New("inputs: missing")
	}
	if len(r.Inputs) == 0 {
		return nil, errors.New("inputs: must not be empty")
	}
	return r, nil
}

// Response keys.
const (
	respModelName uint = iota
	respModelVersion
	respID
	respParameters
	respOutputs
)

// responseKeys are the response members, indexed by the resp* constants.
var responseKeys = []string{respModelName: "model_name", respModelVersion: "model_version", respID: "id",
	respParameters: "parameters", respOutputs: "outputs"}

func (c *oipDecoder) response() (*Response, error) {
	r := &Response{}
	if _, err := c.objectStart("response", false); err != nil {
		return nil, err
	}
	_, err := c.members("response", responseKeys, func(i uint) (err error) {
		switch i {
		case respModelName:
			r.Model.Name, err = c.str("model_name")
		case respModelVersion:
			r.Model.Version, err = c.version()
		case respID:
			r.ID, err = c.str("id")
		case respParameters:
			r.Parameters, err = c.params("parameters")
		case respOutputs:
			r.Outputs, err = c.outputTensors()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, c.finish()
}

// outputTensors reads a response's "outputs" and, when scanning, keeps the
// array as written unless leniency altered something in it.
func (c *oipDecoder) outputTensors() ([]Tensor, error) {
	altered := c.altered
	c.altered = false
	start := c.d.Offset()
	ts, err := c.tensors("outputs", "output")
	if err == nil && c.scan && !c.altered {
		c.outputs = bytes.TrimLeft(c.data[start:c.d.Offset()], " \t\r\n")
	}
	c.altered = c.altered || altered
	return ts, err
}

// version reads model_version: a string, or leniently a number or null.
func (c *oipDecoder) version() (string, error) {
	if c.d.PeekKind() == jsontext.Number {
		raw, err := c.d.ReadNumber()
		return string(raw), err
	}
	return c.str("model_version")
}

// outputSpecs reads a request's "outputs": [{"name", "parameters"?}].
func (c *oipDecoder) outputSpecs() ([]OutputSpec, error) {
	if ok, err := c.arrayStart("outputs", true); !ok {
		return nil, err
	}
	var out []OutputSpec
	for i := 0; c.d.More(); i++ {
		path := "outputs[" + strconv.Itoa(i) + "]"
		o, err := c.outputSpec(path)
		if err != nil {
			return nil, err
		}
		for _, prev := range out {
			if prev.Name == o.Name {
				return nil, fmt.Errorf("%s.name: duplicate output %q", path, o.Name)
			}
		}
		out = append(out, o)
	}
	return out, c.d.ReadArrayEnd()
}

// outputSpecKeys are the members of a requested output.
var outputSpecKeys = []string{"name", "parameters"}

func (c *oipDecoder) outputSpec(path string) (OutputSpec, error) {
	var o OutputSpec
	if _, err := c.objectStart(path, false); err != nil {
		return o, err
	}
	_, err := c.members(path, outputSpecKeys, func(i uint) (err error) {
		if i == 0 {
			o.Name, err = c.str(path + ".name")
		} else {
			o.Parameters, err = c.params(path + ".parameters")
		}
		return err
	})
	if err != nil {
		return o, err
	}
	if o.Name == "" {
		return o, fmt.Errorf("%s.name: missing", path)
	}
	return o, c.d.ReadObjectEnd()
}

// params reads a parameters object. Values must be scalars; integers that
// fit an int64 become int64, other numbers float64. Lenient decoders drop
// null and non-scalar values; strict ones reject them. An empty or null
// object gives nil.
func (c *oipDecoder) params(path string) (Parameters, error) {
	if ok, err := c.objectStart(path, true); !ok {
		return nil, err
	}
	var p Parameters
	for c.d.More() {
		key, err := c.d.ReadObjectKey()
		if err != nil {
			return nil, err
		}
		if _, dup := p[key]; dup {
			return nil, fmt.Errorf("%s: duplicate key %q", path, key)
		}
		v, err := c.param(path, key)
		if err != nil {
			return nil, err
		}
		if v != nil {
			if p == nil {
				p = make(Parameters)
			}
			p[key] = v
		}
	}
	return p, c.d.ReadObjectEnd()
}

// param reads one parameter value; nil means dropped (lenient only).
func (c *oipDecoder) param(path, key string) (any, error) {
	switch k := c.d.PeekKind(); k {
	case jsontext.String:
		return c.d.ReadString()
	case jsontext.Bool:
		return c.d.ReadBool()
	case jsontext.Number:
		raw, err := c.d.ReadNumber()
		if err != nil {
			return nil, err
		}
		if i, err := jsontext.ParseInt64(raw); err == nil {
			return i, nil
		}
		return jsontext.ParseFloat64(raw)
	case jsontext.Null, jsontext.Array, jsontext.Object:
		if c.lenient {
			c.altered = true
			return nil, c.d.Skip()
		}
		return nil, fmt.Errorf("%s: %q: found %s, want a string, number or bool", path, key, k)
	}
	return nil, c.d.Skip() // reports the syntax error
}
