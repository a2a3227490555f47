// SPDX-License-Identifier: Apache-2.0

package v1json

import (
	"fmt"

	"github.com/modelgate/modelgate/adapters"
)

// Format is a predict request's layout.
type Format uint8

// The formats. The zero value is invalid, as in TF Serving.
const (
	// Row is the "instances" layout: one JSON item per example.
	Row Format = iota + 1
	// Columnar is the "inputs" layout: one JSON value per input tensor.
	Columnar
)

// String returns "row", "columnar" or "invalid".
func (f Format) String() string {
	switch f {
	case Row:
		return "row"
	case Columnar:
		return "columnar"
	}
	return "invalid"
}

// ParseFormat returns the Format named s ("row" or "columnar").
func ParseFormat(s string) (Format, error) {
	switch s {
	case "row":
		return Row, nil
	case "columnar":
		return Columnar, nil
	}
	return 0, fmt.Errorf("unknown predict format %q (want row or columnar)", s)
}

// DefaultInputName names a single unnamed input when no signature says
// otherwise.
const DefaultInputName = "inputs"

// DefaultOutputName names a single unnamed output when the caller gives no
// output names.
const DefaultOutputName = "output-0"

// DefaultSignatureName is the signature TF Serving uses when a request names
// none.
const DefaultSignatureName = "serving_default"

// Signature is a TF SignatureDef in OIP terms: its input and output tensors
// with their datatypes and shapes (-1 for variable dimensions). Shapes are
// informational; decoding checks names and datatypes. An input whose DType
// is Invalid has its datatype inferred, as without a signature.
type Signature struct {
	Name    string
	Inputs  []adapters.TensorMetadata
	Outputs []adapters.TensorMetadata
}

// PredictRequest is a decoded predict request body.
type PredictRequest struct {
	// SignatureName is the body's "signature_name", or "" if absent (TF
	// Serving then uses DefaultSignatureName).
	SignatureName string
	// Format is the layout the body used; answer in the same one.
	Format Format
	// Inputs are the input tensors: in signature order with a signature, in
	// document order without one.
	Inputs []adapters.Tensor
}

// SignatureFunc looks up the signature a request names ("" when it names
// none). It returns nil to decode without a signature (inferring
// datatypes), or an error to reject the request; that error is returned as
// is, so it should wrap adapters.ErrInvalidInput for an unknown name.
type SignatureFunc func(name string) (*Signature, error)

// DecodePredictRequest decodes a predict request body with sig's inputs, or
// inferring datatypes when sig is nil. A body naming a signature other than
// a non-empty sig.Name is rejected with TF's message
// `Serving signature name: "x" not found in signature def`. Errors wrap
// adapters.ErrInvalidInput.
func DecodePredictRequest(data []byte, sig *Signature) (*PredictRequest, error) {
	return DecodePredictRequestFunc(data, func(name string) (*Signature, error) {
		if sig != nil && name != "" && sig.Name != "" && name != sig.Name {
			return nil, fmt.Errorf("%w: Serving signature name: %q not found in signature def", adapters.ErrInvalidInput, name)
		}
		return sig, nil
	})
}

// DecodePredictRequestFunc is DecodePredictRequest with the signature
// chosen by the body's signature_name, as TF Serving does. The body is read
// in one pass: lookup is called with the name read before the tensors (""
// when none precedes them, the usual case), and once more if a
// signature_name after the tensors names another, in which case the tensors
// are decoded again with the signature it returns.
func DecodePredictRequestFunc(data []byte, lookup SignatureFunc) (*PredictRequest, error) {
	r, err := decodeRequest(data, lookup)
	if err != nil {
		return nil, invalid(err)
	}
	return r, nil
}

// AppendPredictRequest appends a predict request body for inputs in the
// given format, naming signatureName when it is not empty. In row format
// all inputs must share their first dimension, and a single input is
// written without its name. BYTES inputs are written as JSON strings, or as
// {"b64": …} objects when the name ends in "_bytes" or an element is not
// valid UTF-8. Errors wrap adapters.ErrInvalidInput.
func AppendPredictRequest(dst []byte, format Format, signatureName string, inputs []adapters.Tensor) ([]byte, error) {
	out, err := appendRequest(dst, format, signatureName, inputs)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", adapters.ErrInvalidInput, err)
	}
	return out, nil
}

// DecodePredictResponse decodes a predict response body from a backend:
// {"predictions": …} (row layout) or {"outputs": …} (columnar layout);
// whichever key is present decides the layout, format only phrases the
// error when neither is. Named outputs keep their names, in document order;
// a single unnamed output is named outputNames[0], or DefaultOutputName.
// Datatypes are inferred as for requests without a signature, and NaN and
// Infinity tokens are accepted. Errors wrap adapters.ErrBadUpstream.
func DecodePredictResponse(data []byte, format Format, outputNames []string) ([]adapters.Tensor, error) {
	ts, err := decodeResponse(data, format, outputNames)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", adapters.ErrBadUpstream, err)
	}
	return ts, nil
}

// AppendPredictResponse appends a predict response body for outputs in the
// given format: {"predictions": […]} (a list of per-example values for one
// output; a list of {name: value} objects for several, which must share
// their batch size) or {"outputs": …} (a bare value for one output, an
// object for several). Errors wrap adapters.ErrInvalidInput, as TF Serving
// answers 400 when outputs do not fit the row format.
func AppendPredictResponse(dst []byte, format Format, outputs []adapters.Tensor) ([]byte, error) {
	out, err := appendResponse(dst, format, outputs)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", adapters.ErrInvalidInput, err)
	}
	return out, nil
}
