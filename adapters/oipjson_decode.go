// SPDX-License-Identifier: Apache-2.0

package adapters

import (
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
}

func newOIPDecoder(data []byte, lenient bool) *oipDecoder {
	return &oipDecoder{data: data, d: jsontext.NewDecoder(data), lenient: lenient}
}

// jsonErr turns a jsontext error into a message naming path: a *ValueError
// (wrong kind) becomes "path: found string, want number"; syntax errors pass
// through unchanged, since their offset locates them.
func jsonErr(path string, err error) error {
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
	return c.d.Skip()
}

// objectStart opens an object; a null is reported as absent when allowed.
func (c *oipDecoder) objectStart(path string, nullOK bool) (present bool, err error) {
	if nullOK && c.d.PeekKind() == jsontext.Null {
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

func (c *oipDecoder) request() (*Request, error) {
	r := &Request{}
	if _, err := c.objectStart("request", false); err != nil {
		return nil, err
	}
	var seen keySet
	var unknown map[string]struct{}
	for c.d.More() {
		key, err := c.d.ReadObjectKeyBytes()
		if err != nil {
			return nil, err
		}
		switch string(key) {
		case "id":
			if err = seen.mark(reqID, "request", "id"); err == nil {
				r.ID, err = c.str("id")
			}
		case "parameters":
			if err = seen.mark(reqParameters, "request", "parameters"); err == nil {
				r.Parameters, err = c.params("parameters")
			}
		case "inputs":
			if err = seen.mark(reqInputs, "request", "inputs"); err == nil {
				r.Inputs, err = c.tensors("inputs", "input")
			}
		case "outputs":
			if err = seen.mark(reqOutputs, "request", "outputs"); err == nil {
				r.Outputs, err = c.outputSpecs()
			}
		default:
			err = c.skipUnknown("request", key, &unknown)
		}
		if err != nil {
			return nil, err
		}
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

func (c *oipDecoder) response() (*Response, error) {
	r := &Response{}
	if _, err := c.objectStart("response", false); err != nil {
		return nil, err
	}
	var seen keySet
	var unknown map[string]struct{}
	for c.d.More() {
		key, err := c.d.ReadObjectKeyBytes()
		if err != nil {
			return nil, err
		}
		switch string(key) {
		case "model_name":
			if err = seen.mark(respModelName, "response", "model_name"); err == nil {
				r.Model.Name, err = c.str("model_name")
			}
		case "model_version":
			if err = seen.mark(respModelVersion, "response", "model_version"); err == nil {
				r.Model.Version, err = c.version()
			}
		case "id":
			if err = seen.mark(respID, "response", "id"); err == nil {
				r.ID, err = c.str("id")
			}
		case "parameters":
			if err = seen.mark(respParameters, "response", "parameters"); err == nil {
				r.Parameters, err = c.params("parameters")
			}
		case "outputs":
			if err = seen.mark(respOutputs, "response", "outputs"); err == nil {
				r.Outputs, err = c.tensors("outputs", "output")
			}
		default:
			err = c.skipUnknown("response", key, &unknown)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, c.finish()
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

func (c *oipDecoder) outputSpec(path string) (OutputSpec, error) {
	var o OutputSpec
	if _, err := c.objectStart(path, false); err != nil {
		return o, err
	}
	var seen keySet
	var unknown map[string]struct{}
	for c.d.More() {
		key, err := c.d.ReadObjectKeyBytes()
		if err != nil {
			return o, err
		}
		switch string(key) {
		case "name":
			if err = seen.mark(0, path, "name"); err == nil {
				o.Name, err = c.str(path + ".name")
			}
		case "parameters":
			if err = seen.mark(1, path, "parameters"); err == nil {
				o.Parameters, err = c.params(path + ".parameters")
			}
		default:
			err = c.skipUnknown(path, key, &unknown)
		}
		if err != nil {
			return o, err
		}
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
			return nil, c.d.Skip()
		}
		return nil, fmt.Errorf("%s: %q: found %s, want a string, number or bool", path, key, k)
	}
	return nil, c.d.Skip() // reports the syntax error
}
