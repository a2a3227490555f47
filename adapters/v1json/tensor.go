// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// TensorFromValue converts one parsed JSON value, a scalar or nested lists,
// to a tensor named name, as the predict decoders convert one columnar
// input: the shape comes from the nesting (a scalar has shape []), ragged
// lists are rejected, and {"b64": "…"} objects are BYTES elements. With dt
// Invalid the datatype is inferred (integers INT64, any other number, NaN or
// Infinity included, FP64, strings and b64 objects BYTES, booleans BOOL;
// mixing them is an error); otherwise values are converted to dt (integers
// are accepted for floats, 1.5 is not an INT64). Errors carry TF Serving's
// wording and no error kind: callers wrap them with the kind that fits
// (adapters.ErrBadUpstream for a backend's answer).
func TensorFromValue(name string, v *jsontext.Value, dt adapters.DType) (adapters.Tensor, error) {
	switch {
	case v.Kind() == jsontext.Invalid:
		return adapters.Tensor{}, errors.New("no JSON value")
	case dt != adapters.Invalid && !dt.JSONSupported():
		return adapters.Tensor{}, tfErrorf("Conversion of JSON Value: %s to type: %s is not supported",
			debugJSON(v.AppendJSON(nil)), tfTypeName(dt))
	}
	data := v.AppendJSON(nil)
	d := jsontext.NewDecoder(data)
	b := newBuilder(name, dt).spanning(d, data)
	if err := b.item(d); err != nil {
		return adapters.Tensor{}, err
	}
	return b.tensor(false), nil
}

// AppendTensorJSON appends t's elements as nested JSON lists following its
// shape (a bare scalar for shape []): integers, true/false, floats as TF
// Serving writes them (jsontext.AppendFloat64, NaN and ±Inf as bare
// tokens), and BYTES elements as JSON strings, where bytes that are not
// valid UTF-8 become U+FFFD. It validates t first. Errors carry no error
// kind; callers wrap them.
func AppendTensorJSON(dst []byte, t *adapters.Tensor) ([]byte, error) {
	return appendTensorJSON(dst, t, false)
}

// AppendTensorJSONB64 is AppendTensorJSON with BYTES elements written as
// {"b64": "…"} objects (standard base64, padded), the form TF Serving takes
// for binary strings.
func AppendTensorJSONB64(dst []byte, t *adapters.Tensor) ([]byte, error) {
	return appendTensorJSON(dst, t, true)
}

func appendTensorJSON(dst []byte, t *adapters.Tensor, b64 bool) ([]byte, error) {
	if err := checkTensor(t); err != nil {
		return dst, err
	}
	w := &tensorWriter{t: t, b64: b64 && t.DType == adapters.Bytes}
	return w.values(dst, 0), nil
}

// checkTensor validates t and the size of its nested rendering.
func checkTensor(t *adapters.Tensor) error {
	if err := t.Validate(); err != nil {
		// Drop the kind's prefix; the caller adds its own.
		return errors.New(strings.TrimPrefix(err.Error(), adapters.ErrInvalidInput.Error()+": "))
	}
	if !nestable(t.Shape) {
		return fmt.Errorf("tensor %q: shape %v is too large to write as nested JSON lists", t.Name, t.Shape)
	}
	return nil
}
