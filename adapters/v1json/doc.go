// SPDX-License-Identifier: Apache-2.0

// Package v1json translates TensorFlow Serving's REST predict dialect (the
// "v1" API, also spoken by KServe's V1 protocol) to and from tensors, as
// PROTOCOLS.md §1.2–1.3 records it. The behaviour follows TF Serving's
// util/json_tensor.cc (read at 9d981c5, 2026-07-30); error messages are TF's
// own where it has them, so clients see what TF Serving would say.
//
// Requests come in two formats:
//
//   - row: {"signature_name"?: str, "instances": [item, …]}. Each item is
//     one example: a value or nested list for a single-input signature, an
//     object {input: value} for several inputs. Items are stacked along a new
//     batch dimension, so each tensor's shape is [len(instances)] + the
//     item's shape, and every item of an input must have the same shape.
//   - columnar: {"signature_name"?: str, "inputs": value}. The value is the
//     whole (batched) tensor of a single input, or an object mapping input
//     names to tensors, which may then differ in their first dimension.
//
// A tensor's shape is read from the first element at each nesting level,
// and every list must then match it (no ragged lists). A JSON object
// {"b64": "…"} is a BYTES element given in base64. With a Signature, values
// are checked against and converted to its datatypes (integers are accepted
// for floats; 1.5 for an int64 input is "… is not of expected type: int64")
// and input names against its inputs; a single unnamed input takes the
// signature's only input name. Without one, datatypes are inferred per
// input: integers give INT64, any fraction or exponent makes the whole input
// FP64, strings and b64 objects give BYTES, booleans BOOL; mixing them is an
// error naming the input, and an unnamed input is called "inputs"
// (DefaultInputName).
//
// Responses mirror the request format: {"predictions": …} for row requests
// (a list of per-example values for a single output, a list of objects for
// several, which must then share the batch size) and {"outputs": …} for
// columnar ones (a bare value or an object). Floats are written with a ".0"
// on whole numbers and NaN/±Inf as the bare tokens NaN, Infinity and
// -Infinity, as TF Serving does; BYTES outputs whose name ends in "_bytes"
// are written as {"b64": …}.
//
// Deviations from TF Serving, all deliberate: bytes after the top-level
// object are rejected (TF ignores them); duplicate keys are rejected (TF
// takes the first); UINT16 is supported (TF answers "Conversion … to type:
// uint16" Unimplemented); integers are range-checked for INT8, INT16 and
// UINT8 (TF truncates silently); BYTES values that are not valid UTF-8 and
// cannot be written as JSON strings are written as {"b64": …} (TF writes
// invalid JSON); and float32 values are rounded once from the decimal text
// (TF rounds through double, which differs in rare halfway cases). Floats
// are printed byte for byte as TF prints them (jsontext.AppendFloat64).
package v1json
