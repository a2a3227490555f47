// SPDX-License-Identifier: Apache-2.0

// Package tfserving is the adapter for TensorFlow Serving's REST API
// (PROTOCOLS.md §1). One Adapter serves one route target: one model,
// optionally pinned to a version or a version label.
//
//	Infer          POST /v1/models/{m}[/versions/{v}|/labels/{l}]:predict
//	ModelReady     GET  /v1/models/{m}[/versions/{v}|/labels/{l}]
//	ModelMetadata  GET  /v1/models/{m}[/versions/{v}|/labels/{l}]/metadata
//
// Predict bodies are columnar ({"inputs": {name: tensor}}, or the bare
// tensor for a single input; the default) or row ({"instances": [...]}) as
// Options.Format says, written and read by
// package v1json: BYTES tensors travel as JSON strings, or as {"b64": "…"}
// when a value is not UTF-8 or the tensor's name ends in "_bytes" (TF
// Serving reads both into DT_STRING); floats may be the bare NaN/Infinity
// tokens TF Serving reads and writes. The signature to
// run is Options.SignatureName; requests name it only when it is set.
//
// Metadata is the SignatureDef of Options.SignatureName in OIP terms
// (DT_FLOAT → FP32, dims "-1" → -1, tensors sorted by name since TF
// Serving's maps have no order, a tensor of unknown rank with a nil
// Shape). Each successful answer is cached per servable (every call asks
// TF Serving, so the cache follows rollouts); from then on Infer checks
// requests against it before calling upstream (unknown or
// missing inputs, datatypes TF Serving cannot cast, rank or fixed-dimension
// mismatches, unknown requested outputs all wrap ErrInvalidInput) and gives
// outputs the signature's names and datatypes. Infer never fetches
// metadata itself: until something calls ModelMetadata, outputs take JSON's
// datatypes (INT64, FP64, BYTES, BOOL) and a single unnamed output is named
// Options.OutputNames[0] or "output-0". The gateway calls ModelMetadata
// before a target's first inference of each version
// (gateway.Target.TypedByMetadata).
//
// Errors follow PROTOCOLS.md §1.4 with the decisions documented on classify:
// a predict 404 is ErrUnavailable once TF Serving has been seen to know the
// servable (it answers 404 while a model loads or reloads), an unknown label
// or signature is ErrModelNotFound (our configuration, not the client's
// input), 504 is ErrUnavailable, and ModelReady reports only
// ErrModelNotFound, ErrRateLimited or ErrUnavailable.
//
// The adapter always addresses Options.Model.Name. A Version in
// Request.Model (or in the ModelRef given to ModelReady and ModelMetadata)
// selects that version instead of the configured version or label; a Name
// there is ignored, since callers may pass the client's name for the route.
//
// Not supported: the :classify and :regress APIs (tf.Example inputs), raw
// payloads (Request.Raw gives errors.ErrUnsupported), gRPC, and listing
// models (TF Serving has no such endpoint).
//
// Config (a route target on a tfserving backend):
//
//	models:
//	  - name: half-plus-two
//	    targets:
//	      - backend: tfs
//	        model: half_plus_two
//	        version: ""                # or a number; exclusive with label
//	        outputs: [y]               # name of a single unnamed output
//	        tfserving: {signature_name: serving_default, format: columnar, label: ""}
package tfserving
