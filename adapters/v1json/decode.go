// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// span is the byte range of a member's value in the body.
type span struct {
	start, end int
	ok         bool
}

// decoder returns a decoder for the value in s.
func (s span) decoder(data []byte) *jsontext.Decoder {
	return jsontext.NewDecoderRange(data, s.start, s.end)
}

// openObject starts reading a body that must be one JSON object, with TF's
// messages for an empty body and other values.
func openObject(data []byte) (*jsontext.Decoder, error) {
	if len(data) == 0 {
		return nil, tfErrorf("JSON Parse error: The document is empty")
	}
	d := jsontext.NewDecoder(data)
	if d.PeekKind() != jsontext.Object {
		raw, err := d.ReadRaw()
		if err == nil {
			err = d.Finish()
		}
		if err != nil {
			return nil, parseError(err)
		}
		return nil, formatError(raw, "Is not object")
	}
	return d, d.ReadObjectStart()
}

// member records a member's value range, rejecting a duplicate.
func member(d *jsontext.Decoder, s *span, key string) error {
	if s.ok {
		return fmt.Errorf("duplicate key %q in the JSON object", key)
	}
	raw, err := d.ReadRaw()
	if err != nil {
		return err
	}
	s.end = d.Offset()
	s.start, s.ok = s.end-len(raw), true
	return nil
}

// finishObject closes the body's object; a syntax error found at any point
// of the single pass is reported as TF's parse error.
func finishObject(d *jsontext.Decoder, err error) error {
	if err == nil {
		if err = d.ReadObjectEnd(); err == nil {
			err = d.Finish()
		}
	}
	if d.Err() != nil {
		return parseError(d.Err())
	}
	return err
}

// isB64At reports whether the value at data[off:end] is a {"b64": "…"}
// object, looking only at its first member.
func isB64At(data []byte, off, end int) bool {
	d := jsontext.NewDecoderRange(data, off, end)
	if d.ReadObjectStart() != nil || !d.More() {
		return false
	}
	key, err := d.ReadObjectKeyBytes()
	if err != nil || string(key) != "b64" || d.PeekKind() != jsontext.String {
		return false
	}
	_, err = d.ReadStringBytes()
	return err == nil && !d.More() && d.Err() == nil
}

// isObjectItem reports whether the next value is an object other than a
// b64 object: a {name: value} item. Call it after PeekKind.
func isObjectItem(d *jsontext.Decoder, data []byte, end int) bool {
	return d.PeekKind() == jsontext.Object && !isB64At(data, d.Offset(), end)
}

// inputSet is the tensors being built, in order.
type inputSet struct {
	sig      *Signature
	builders []*builder
}

// newInputSet prepares builders for the signature's inputs, if any.
func newInputSet(sig *Signature) *inputSet {
	s := &inputSet{sig: sig}
	if sig != nil {
		for _, in := range sig.Inputs {
			s.builders = append(s.builders, newBuilder(in.Name, in.DType))
		}
	}
	return s
}

func (s *inputSet) find(name string) int {
	for i, b := range s.builders {
		if b.name == name {
			return i
		}
	}
	return -1
}

// names returns the input names sorted, as TF's std::set prints them.
func (s *inputSet) names() string {
	ns := make([]string, len(s.builders))
	for i, b := range s.builders {
		ns[i] = b.name
	}
	slices.Sort(ns)
	return strings.Join(ns, ",")
}

func (s *inputSet) tensors(batched bool) []adapters.Tensor {
	ts := make([]adapters.Tensor, len(s.builders))
	for i, b := range s.builders {
		ts[i] = b.tensor(batched)
	}
	return ts
}

// single returns the builder for a lone unnamed tensor.
func single(sig *Signature, name string) *builder {
	if sig != nil {
		return newBuilder(sig.Inputs[0].Name, sig.Inputs[0].DType)
	}
	return newBuilder(name, adapters.Invalid)
}

// decodeRows reads a row-format list ("instances" or "predictions").
func decodeRows(data []byte, d *jsontext.Decoder, sig *Signature, list string) ([]adapters.Tensor, error) {
	if d.PeekKind() != jsontext.Array {
		return nil, formatError(data, "Expecting '"+list+"' to be an list/array")
	}
	if err := d.ReadArrayStart(); err != nil {
		return nil, err
	}
	if !d.More() {
		return nil, formatError(data, "No values in '"+list+"' array")
	}
	if isObjectItem(d, data, len(data)) {
		return rowObjects(d, data, len(data), newInputSet(sig), list)
	}
	if sig != nil && len(sig.Inputs) > 1 {
		return nil, tfErrorf("%s is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map", list)
	}
	return rowValues(d, data, len(data), single(sig, DefaultInputName).spanning(d, data), list)
}

func rowValues(d *jsontext.Decoder, data []byte, end int, b *builder, list string) ([]adapters.Tensor, error) {
	for i := 0; i == 0 || d.More(); i++ {
		if isObjectItem(d, data, end) {
			return nil, tfErrorf("Expecting value/list but got object at item %d of input list", i)
		}
		if err := b.item(d); err != nil {
			return nil, tfErrorf("Failed to process element: %d of '%s' list. Error: INVALID_ARGUMENT: %w", i, list, err)
		}
	}
	if err := d.ReadArrayEnd(); err != nil {
		return nil, err
	}
	return []adapters.Tensor{b.tensor(true)}, nil
}

func rowObjects(d *jsontext.Decoder, data []byte, end int, s *inputSet, list string) ([]adapters.Tensor, error) {
	var seen []bool
	for i := 0; i == 0 || d.More(); i++ {
		off := d.Offset()
		if !isObjectItem(d, data, end) {
			return nil, tfErrorf("Expecting object but got list at item %d of input list", i)
		}
		seen = append(seen[:0], make([]bool, len(s.builders))...)
		if err := s.rowObject(d, data, end, i, &seen, list); err != nil {
			return nil, err
		}
		if len(s.builders) == 0 || slices.Contains(seen, false) {
			return nil, tfErrorf("Failed to process element: %d of '%s' list. JSON object: %s keys must be equal to: %s",
				i, list, debugJSON(rawAt(data, off, end)), s.names())
		}
	}
	if err := d.ReadArrayEnd(); err != nil {
		return nil, err
	}
	return s.tensors(true), nil
}

// rowObject reads one {name: value} item.
func (s *inputSet) rowObject(d *jsontext.Decoder, data []byte, end, i int, seen *[]bool, list string) error {
	off := d.Offset()
	if err := d.ReadObjectStart(); err != nil {
		return err
	}
	for d.More() {
		key, err := d.ReadObjectKey()
		if err != nil {
			return err
		}
		j := s.find(key)
		switch {
		case j < 0 && s.sig != nil:
			return tfErrorf("Failed to process element: %d key: %s of '%s' list. Error: INVALID_ARGUMENT: JSON object: does not have named input: %s", i, key, list, key)
		case j < 0 && i > 0:
			return tfErrorf("Failed to process element: %d of '%s' list. JSON object: %s keys must be equal to: %s",
				i, list, debugJSON(rawAt(data, off, end)), s.names())
		case j < 0 && key == "":
			return tfErrorf("Failed to process element: %d of '%s' list. Error: empty tensor name", i, list)
		case j < 0:
			s.builders = append(s.builders, newBuilder(key, adapters.Invalid))
			*seen = append(*seen, false)
			j = len(s.builders) - 1
		case (*seen)[j]:
			return tfErrorf("Failed to process element: %d of '%s' list. Error: duplicate key %q", i, list, key)
		}
		(*seen)[j] = true
		if err := s.builders[j].item(d); err != nil {
			return tfErrorf("Failed to process element: %d key: %s of '%s' list. Error: INVALID_ARGUMENT: %w", i, key, list, err)
		}
	}
	return d.ReadObjectEnd()
}

// rawAt returns the JSON value starting at data[off:end], for messages.
func rawAt(data []byte, off, end int) []byte {
	raw, err := jsontext.NewDecoderRange(data, off, end).ReadRaw()
	if err != nil {
		return data[off:end]
	}
	return raw
}

// decodeColumns reads a columnar value ("inputs" or "outputs").
func decodeColumns(data []byte, d *jsontext.Decoder, sig *Signature, list string) ([]adapters.Tensor, error) {
	if !isObjectItem(d, data, len(data)) {
		if sig != nil && len(sig.Inputs) > 1 {
			return nil, tfErrorf("%s is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map", list)
		}
		b := single(sig, DefaultInputName).spanning(d, data)
		if err := b.item(d); err != nil {
			return nil, err
		}
		return []adapters.Tensor{b.tensor(false)}, nil
	}
	set := newInputSet(sig)
	found, err := set.columns(d, list)
	if err != nil {
		return nil, err
	}
	for j, ok := range found {
		if !ok {
			return nil, tfErrorf("Missing named input: %s in '%s' object.", set.builders[j].name, list)
		}
	}
	if len(set.builders) == 0 {
		return nil, tfErrorf("JSON Value: {} '%s' object has no named tensors", list)
	}
	return set.tensors(false), nil
}

// columns reads a {name: tensor} object. With a signature, members it does
// not name are ignored, as TF does.
func (s *inputSet) columns(d *jsontext.Decoder, list string) ([]bool, error) {
	if err := d.ReadObjectStart(); err != nil {
		return nil, err
	}
	found := make([]bool, len(s.builders))
	for d.More() {
		key, err := d.ReadObjectKey()
		if err != nil {
			return nil, err
		}
		j := s.find(key)
		switch {
		case j < 0 && s.sig != nil:
			if err := d.Skip(); err != nil {
				return nil, err
			}
			continue
		case j < 0 && key == "":
			return nil, fmt.Errorf("empty tensor name in '%s' object", list)
		case j < 0:
			s.builders = append(s.builders, newBuilder(key, adapters.Invalid))
			found = append(found, false)
			j = len(s.builders) - 1
		case found[j]:
			return nil, fmt.Errorf("duplicate key %q in '%s' object", key, list)
		}
		found[j] = true
		if err := s.builders[j].item(d); err != nil {
			return nil, err
		}
	}
	return found, d.ReadObjectEnd()
}
