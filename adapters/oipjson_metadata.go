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

// metadataKeys are the model metadata members, indexed by the meta* constants.
var metadataKeys = []string{metaName: "name", metaVersions: "versions", metaPlatform: "platform",
	metaInputs: "inputs", metaOutputs: "outputs"}

func (c *oipDecoder) metadata() (*ModelMetadata, error) {
	m := &ModelMetadata{}
	if _, err := c.objectStart("metadata", false); err != nil {
		return nil, err
	}
	_, err := c.members("metadata", metadataKeys, func(i uint) (err error) {
		switch i {
		case metaName:
			m.Name, err = c.str("name")
		case metaVersions:
			m.Versions, err = c.versions()
		case metaPlatform:
			m.Platform, err = c.str("platform")
		case metaInputs:
			m.Inputs, err = c.tensorMetas("inputs")
		case metaOutputs:
			m.Outputs, err = c.tensorMetas("outputs")
		}
		return err
	})
	if err != nil {
		return nil, err
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

// tensorMetaKeys are the members of a metadata tensor, indexed by the
// ten* constants of the tensor decoder.
var tensorMetaKeys = []string{tenName: "name", tenDatatype: "datatype", tenShape: "shape"}

func (c *oipDecoder) tensorMeta(path string) (TensorMetadata, error) {
	var t TensorMetadata
	if _, err := c.objectStart(path, false); err != nil {
		return t, err
	}
	_, err := c.members(path, tensorMetaKeys, func(i uint) (err error) {
		switch i {
		case tenName:
			t.Name, err = c.str(path + ".name")
		case tenDatatype:
			t.DType, err = c.metaDatatype(path + ".datatype")
		case tenShape:
			t.Shape, err = c.shape(path+".shape", true)
		}
		return err
	})
	if err != nil {
		return t, err
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
