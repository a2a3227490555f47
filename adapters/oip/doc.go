// SPDX-License-Identifier: Apache-2.0

// Package oip is the adapter for backends that speak the Open Inference
// Protocol v2 over REST (KServe's Python model server, Triton, MLServer);
// PROTOCOLS.md §6 records the wire facts it follows.
//
//	infer     POST /v2/models/{m}[/versions/{v}]/infer   OIP JSON in and out
//	ready     GET  /v2/models/{m}[/versions/{v}]/ready   200 = ready
//	metadata  GET  /v2/models/{m}[/versions/{v}]
//
// Requests are encoded with adapters.AppendRequest — or, when the gateway
// received the request as OIP v2 and set Request.Source, the client's
// validated body is forwarded as is — and answers decoded with
// adapters.DecodeResponse, the same codec the gateway's own v2 surface
// uses, so tensors pass through with their datatypes, requested outputs,
// ids and parameters intact. The binary tensor extension (§6.4) is not used
// yet: FP16 and BF16 tensors are refused as invalid input.
//
// Upstream answers map onto the error kinds as jsonhttp.KindForStatus says
// (400/422 invalid input, 404 model not found, 429 rate limited, 501
// unsupported — KServe's answer to versioned paths —, 503 unavailable,
// other 5xx bad upstream), with two refinements: a 500 carrying a JSON
// error message is the model failing (KServe's InferenceError, Triton's
// INTERNAL) and wraps adapters.ErrModelFailed, and a 413 wraps
// adapters.ErrInvalidInput. Readiness follows §6.2: servers disagree on how
// they say "not ready" (Triton and MLServer 400 with an empty body, KServe
// 503 with JSON), so any answer other than 200 is "not ready" —
// adapters.ErrModelNotFound for 404, adapters.ErrUnavailable otherwise.
// The upstream's own message, never its raw body, goes into
// adapters.Error.Message.
//
// Config:
//
//	backends:
//	  - name: kserve-iris
//	    kind: oip
//	    url: http://127.0.0.1:8080
//	models:
//	  - name: iris
//	    targets:
//	      - {backend: kserve-iris, model: sklearn-iris}
package oip
