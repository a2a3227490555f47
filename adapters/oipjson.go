// SPDX-License-Identifier: Apache-2.0

package adapters

import "fmt"

// The Open Inference Protocol (KServe V2) JSON codec: the canonical wire form
// shared by the gateway's v2 surface and by every backend that speaks OIP.
// PROTOCOLS.md §6.3 records the wire facts.
//
// Decoding reads straight into typed slices (no []any, no tree) with
// adapters/jsontext, and checks everything a backend would: data against
// shape and datatype, element ranges, duplicate keys. Tensor "data" may be
// flat ([1,2,3,4]) or nested exactly as the shape says ([[1,2],[3,4]] for
// [2,2]); ragged or otherwise nested data is rejected. Unknown keys are
// ignored, as KServe's pydantic models do, but must still be valid JSON.
// Bytes after the top-level object are rejected. FP16 and BF16 have no
// portable JSON form and are rejected (KServe Python answers 400 too); the
// binary tensor extension (DecodeRequestBinary, AppendResponseBinary)
// rejects them as well, since TensorData cannot hold them.
// Number literals beyond a float type's range decode as ±Inf (IEEE rounding,
// as TF Serving does); the tokens NaN, Infinity and -Infinity are accepted.
//
// Encoding writes keys in a fixed order, data flat, optional members only
// when set, parameters sorted by key, and NaN/±Inf as the bare tokens NaN,
// Infinity and -Infinity (TF Serving's convention; strict JSON parsers
// reject them, Python's json and rapidjson accept them).

// DecodeRequest decodes an OIP v2 inference request body:
//
//	{"id"?: str, "parameters"?: {…}, "inputs": [{"name", "shape", "datatype",
//	 "parameters"?, "data"}], "outputs"?: [{"name", "parameters"?}]}
//
// The model is not part of the body (it is in the path) and is left empty.
// Parameters hold scalars only: strings, bools, integers that fit an int64
// (as int64) and other numbers (as float64); null, arrays and objects are
// rejected. An empty parameters object, like an empty outputs list, decodes
// as nil. Every error wraps ErrInvalidInput and names the
// field, tensor or element and the reason, for example
// `invalid input: input "x": element 3: 1.5 is not an INT32` or
// `invalid input: inputs[1].shape: missing`.
func DecodeRequest(data []byte) (*Request, error) {
	c := newOIPDecoder(data, false)
	r, err := c.request()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return r, nil
}

// ScanRequest is DecodeRequest for a caller whose adapters send the body on
// as it is: the request is checked exactly as DecodeRequest checks it, with
// the same errors, but tensor data is not kept. Inputs describe the tensors
// (name, datatype, shape, parameters) without Data, and Source is data. Only
// an adapter that sends Source can serve such a Request.
func ScanRequest(data []byte) (*Request, error) {
	c := newOIPDecoder(data, false)
	c.scan = true
	r, err := c.request()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	r.Source = data
	return r, nil
}

// DecodeResponse decodes an OIP v2 inference response body from a backend:
//
//	{"model_name": str, "model_version"?: str, "id"?: str, "parameters"?: {…},
//	 "outputs": [{"name", "shape", "datatype", "parameters"?, "data"}]}
//
// It is lenient where servers differ: optional members may be absent or
// null (KServe Python writes null, MLServer omits them), model_version may be
// a number, and parameters whose values are not scalars (MLServer's
// "headers" object) or are null are dropped. Tensor data is checked as
// strictly as in DecodeRequest. Every error wraps ErrBadUpstream.
func DecodeResponse(data []byte) (*Response, error) {
	c := newOIPDecoder(data, true)
	r, err := c.response()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadUpstream, err)
	}
	return r, nil
}

// ScanResponse is DecodeResponse for a caller that forwards the answer's
// outputs as the backend wrote them. The outputs are checked exactly as
// DecodeResponse checks them, but their data is not kept: Outputs describe
// the tensors (name, datatype, shape, parameters) without Data, and
// OIPOutputs is the "outputs" array, a sub-slice of data. When leniency had
// to alter an output (a null member, a dropped parameter or unknown member),
// the array is not what DecodeResponse would give, and ScanResponse returns
// DecodeResponse(data) instead, with OIPOutputs nil.
func ScanResponse(data []byte) (*Response, error) {
	c := newOIPDecoder(data, true)
	c.scan = true
	r, err := c.response()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadUpstream, err)
	}
	if c.outputs == nil {
		return DecodeResponse(data)
	}
	r.OIPOutputs = c.outputs
	return r, nil
}

// DecodeMetadata decodes an OIP v2 model metadata body from a backend:
//
//	{"name": str, "versions"?: [str], "platform": str,
//	 "inputs": [{"name", "datatype", "shape"}], "outputs": [...]}
//
// Dimensions may be -1 (variable). Absent or null optionals are accepted.
// Every error wraps ErrBadUpstream.
func DecodeMetadata(data []byte) (*ModelMetadata, error) {
	c := newOIPDecoder(data, true)
	m, err := c.metadata()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadUpstream, err)
	}
	return m, nil
}

// AppendRequest appends r as an OIP v2 inference request body, with keys in
// the order id, parameters, inputs, outputs, omitting an empty id, empty
// parameters and empty outputs. It validates every input tensor first. BYTES
// elements are written as JSON strings, so bytes that are not valid UTF-8
// become U+FFFD: OIP JSON has no binary form for them.
// Errors wrap ErrInvalidInput: a request with a Raw payload, an invalid
// tensor, FP16/BF16 data, or a parameter value that is not a string, bool,
// int64 or float64.
func AppendRequest(dst []byte, r *Request) ([]byte, error) {
	out, err := appendRequest(dst, r)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return out, nil
}

// AppendResponse appends r as an OIP v2 inference response body, with keys
// in the order model_name, model_version, id, parameters, outputs (id and
// outputs always present, as the protocol requires; model_version and
// parameters only when set). It validates every output tensor first. Since
// responses come from backends, errors wrap ErrBadUpstream: a response with a
// Raw payload, an invalid tensor, or a parameter value of the wrong type.
// When r.OIPOutputs is set, it is written as the outputs, as is.
func AppendResponse(dst []byte, r *Response) ([]byte, error) {
	out, err := appendResponse(dst, r)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrBadUpstream, err)
	}
	return out, nil
}

// AppendResponseHead appends what AppendResponse writes before the outputs
// array, ending in `"outputs":`, for a caller that writes r.OIPOutputs and
// the closing '}' itself rather than copy them. r.OIPOutputs must be set.
func AppendResponseHead(dst []byte, r *Response) ([]byte, error) {
	if r.OIPOutputs == nil {
		return dst, fmt.Errorf("%w: the response has no OIP outputs as written", ErrBadUpstream)
	}
	out, err := appendResponseHead(dst, r)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrBadUpstream, err)
	}
	return out, nil
}

// AppendMetadata appends m as an OIP v2 model metadata body: name, versions
// (when set), platform, inputs, outputs (always present, [] when empty).
func AppendMetadata(dst []byte, m *ModelMetadata) []byte {
	return appendMetadata(dst, m)
}
