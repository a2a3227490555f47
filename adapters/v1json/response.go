// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

func decodeResponse(data []byte, format Format, names []string) ([]adapters.Tensor, error) {
	d, err := openObject(data)
	if err != nil {
		return nil, err
	}
	name := DefaultOutputName
	if len(names) > 0 && names[0] != "" {
		name = names[0]
	}
	sig := &Signature{Inputs: []adapters.TensorMetadata{{Name: name}}}
	var ts []adapters.Tensor
	seen := ""
	for err == nil && d.More() {
		var key []byte
		if key, err = d.ReadObjectKeyBytes(); err != nil {
			break
		}
		switch k := string(key); {
		case k != "predictions" && k != "outputs":
			err = d.Skip()
		case seen == k:
			err = fmt.Errorf("duplicate key %q in the JSON object", k)
		case seen != "":
			err = errors.New("response has both 'predictions' and 'outputs'")
		case k == "predictions":
			seen = k
			ts, err = decodePredictions(data, d, sig)
		default:
			seen = k
			ts, err = decodeOutputs(data, d, sig)
		}
	}
	if err = finishObject(d, err); err != nil {
		return nil, err
	}
	switch {
	case seen != "":
		return ts, nil
	case format == Columnar:
		return nil, errors.New("missing 'outputs' key in the response")
	}
	return nil, errors.New("missing 'predictions' key in the response")
}

// decodePredictions reads a row-format response; sig only names a lone
// unnamed output (its datatype is Invalid: inferred).
func decodePredictions(data []byte, d *jsontext.Decoder, sig *Signature) ([]adapters.Tensor, error) {
	if d.PeekKind() != jsontext.Array {
		return nil, formatError(rawAt(data, d.Offset(), len(data)), "Expecting 'predictions' to be an list/array")
	}
	if err := d.ReadArrayStart(); err != nil {
		return nil, err
	}
	if !d.More() {
		t := single(sig, "").tensor(true) // zero batch
		return []adapters.Tensor{t}, d.ReadArrayEnd()
	}
	if isObjectItem(d, data, len(data)) {
		return rowObjects(d, data, len(data), newInputSet(nil), "predictions")
	}
	return rowValues(d, data, len(data), single(sig, "").spanning(d, data), "predictions")
}

func decodeOutputs(data []byte, d *jsontext.Decoder, sig *Signature) ([]adapters.Tensor, error) {
	if !isObjectItem(d, data, len(data)) {
		b := single(sig, "").spanning(d, data)
		if err := b.item(d); err != nil {
			return nil, err
		}
		return []adapters.Tensor{b.tensor(false)}, nil
	}
	set := newInputSet(nil)
	if _, err := set.columns(d, "outputs"); err != nil {
		return nil, err
	}
	if len(set.builders) == 0 {
		return nil, tfErrorf("JSON Value: {} 'outputs' object has no named tensors")
	}
	return set.tensors(false), nil
}
