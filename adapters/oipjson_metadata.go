// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"fmt"
	"strconv"

	"github.com/modelgate/modelgate/adapters/jsontext"
)

// Metadata keys.
const (
	metaName uint = iota
	metaVersions
	metaPlatform
	metaInputs
	metaOutputs
)

func (c *oipDecoder) metadata() (*ModelMetadata, error) {
	m := &ModelMetadata{}
	if _, err := c.objectStart("metadata", false); err != nil {
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
		case "name":
			if err = seen.mark(metaName, "metadata", "name"); err == nil {
				m.Name, err = c.str("name")
			}
		case "versions":
			if err = seen.mark(metaVersions, "metadata", "versions"); err == nil {
				m.Versions, err = c.versions()
			}
		case "platform":
			if err = seen.mark(metaPlatform, "metadata", "platform"); err == nil {
				m.Platform, err = c.str("platform")
			}
		case "inputs":
			if err = seen.mark(metaInputs, "metadata", "inputs"); err == nil {
				m.Inputs, err = c.tensorMetas("inputs")
			}
		case "outputs":
			if err = seen.mark(metaOutputs, "metadata", "outputs"); err == nil {
				m.Outputs, err = c.tensorMetas("outputs")
			}
		default:
			err = c.skipUnknown("metadata", key, &unknown)
		}
		if err != nil {
			return nil, err
		}
	}
	return m, c.finish()
}

// versions reads "versions": strings (numbers accepted leniently).
func (c *oipDecoder) versions() ([]string, error) {
	if ok, err := c.arrayStart("versions", true); !ok {
		return nil, err
	}
	var vs []string
	for i := 0; c.d.More(); i++ {
		var v string
		var err error
		if c.d.PeekKind() == jsontext.Number {
			var raw []byte
			raw, err = c.d.ReadNumber()
			v = string(raw)
		} else {
			v, err = c.d.ReadString()
		}
		if err != nil {
			return nil, jsonErr("versions["+strconv.Itoa(i)+"]", err)
		}
		vs = append(vs, v)
	}
	return vs, c.d.ReadArrayEnd()
}

func (c *oipDecoder) tensorMetas(list string) ([]TensorMetadata, error) {
	if ok, err := c.arrayStart(list, true); !ok {
		return nil, err
	}
	var ts []TensorMetadata
	for i := 0; c.d.More(); i++ {
		t, err := c.tensorMeta(list + "[" + strconv.Itoa(i) + "]")
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, c.d.ReadArrayEnd()
}

func (c *oipDecoder) tensorMeta(path string) (TensorMetadata, error) {
	var t TensorMetadata
	if _, err := c.objectStart(path, false); err != nil {
		return t, err
	}
	var seen keySet
	var unknown map[string]struct{}
	for c.d.More() {
		key, err := c.d.ReadObjectKeyBytes()
		if err != nil {
			return t, err
		}
		switch string(key) {
		case "name":
			if err = seen.mark(tenName, path, "name"); err == nil {
				t.Name, err = c.str(path + ".name")
			}
		case "datatype":
			if err = seen.mark(tenDatatype, path, "datatype"); err == nil {
				t.DType, err = c.metaDatatype(path + ".datatype")
			}
		case "shape":
			if err = seen.mark(tenShape, path, "shape"); err == nil {
				t.Shape, err = c.shape(path+".shape", true)
			}
		default:
			err = c.skipUnknown(path, key, &unknown)
		}
		if err != nil {
			return t, err
		}
	}
	if t.Name == "" {
		return t, fmt.Errorf("%s.name: missing", path)
	}
	return t, c.d.ReadObjectEnd()
}

// metaDatatype reads a datatype name; metadata may name FP16 and BF16.
func (c *oipDecoder) metaDatatype(path string) (DType, error) {
	s, err := c.d.ReadString()
	if err != nil {
		return Invalid, jsonErr(path, err)
	}
	dt, err := ParseDType(s)
	if err != nil {
		return Invalid, fmt.Errorf("%s: %v", path, err)
	}
	return dt, nil
}

func appendMetadata(dst []byte, m *ModelMetadata) []byte {
	dst = append(dst, `{"name":`...)
	dst = jsontext.AppendString(dst, m.Name)
	if len(m.Versions) > 0 {
		dst = append(dst, `,"versions":[`...)
		for i, v := range m.Versions {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsontext.AppendString(dst, v)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"platform":`...)
	dst = jsontext.AppendString(dst, m.Platform)
	dst = append(dst, `,"inputs":`...)
	dst = appendTensorMetas(dst, m.Inputs)
	dst = append(dst, `,"outputs":`...)
	dst = appendTensorMetas(dst, m.Outputs)
	return append(dst, '}')
}

func appendTensorMetas(dst []byte, ts []TensorMetadata) []byte {
	dst = append(dst, '[')
	for i := range ts {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = jsontext.AppendString(dst, ts[i].Name)
		dst = append(dst, `,"datatype":`...)
		dst = jsontext.AppendString(dst, ts[i].DType.String())
		dst = append(dst, `,"shape":`...)
		dst = appendShape(dst, ts[i].Shape)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

func appendShape(dst []byte, shape []int64) []byte {
	dst = append(dst, '[')
	for i, d := range shape {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, d, 10)
	}
	return append(dst, ']')
}
