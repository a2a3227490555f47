// SPDX-License-Identifier: Apache-2.0

// Package bentoml is the adapter for BentoML 1.4 services (the new SDK:
// @bentoml.service classes with @bentoml.api methods), built per route
// target: one API of one service. Its wire facts are PROTOCOLS.md §4,
// checked against bentoml/BentoML@32230a52.
//
//	backends:
//	  - name: bento-iris
//	    kind: bentoml
//	    url: http://127.0.0.1:3000          # Options.BaseURL
//	models:
//	  - name: iris
//	    targets:
//	      - backend: bento-iris
//	        outputs: [label]                # Options.OutputNames
//	        bentoml:
//	          api: predict                  # Options.API: POST /predict
//	          params: {input: instances}    # Options.Params: tensor "input" → parameter "instances"
//
// wires as
//
//	a, err := bentoml.New(bentoml.Options{
//		Backend: "bento-iris", BaseURL: base, Client: rb.Client(),
//		Model: adapters.ModelRef{Name: "iris"}, OutputNames: []string{"label"},
//		API: "predict", Params: map[string]string{"input": "instances"},
//	})
//
// Calls:
//
//   - Infer: POST {base}/{api} with {parameter: nested data} (see
//     Adapter.Infer), or a raw payload as is for root-input APIs.
//   - ModelReady: GET {base}/readyz.
//   - ModelMetadata: GET {base}/schema.json, cached on success; from the
//     first success on, Infer checks requests against the cached schema
//     before calling the service (each ModelMetadata call refreshes it).
//
// Security: BentoML downloads http(s) URLs given where it expects files, so
// the adapter refuses to forward URL-like strings there (ssrf.go) — in every
// string input until the schema is cached, in file and uri parameters after.
// Call ModelMetadata once at startup to switch to the precise rules.
//
// Errors follow PROTOCOLS.md §4.4 (see classify): validation errors and
// BentoMLException 4xx list bodies are adapters.ErrInvalidInput, Starlette's
// 404 for an unknown route adapters.ErrModelNotFound, the generic 500 of an
// exception in the API's code adapters.ErrModelFailed, 429
// adapters.ErrRateLimited, 503 and BentoML's own 504 timeout
// adapters.ErrUnavailable.
//
// Not supported: multipart/form-data requests (file uploads; root-input APIs
// take files as raw payloads), task APIs' /submit–/get protocol (the API's
// synchronous route is called), streamed answers (read whole: a stream of
// concatenated JSON is malformed, a text stream one BYTES output), the
// pickle media type, and a service path_prefix in the URL: /schema.json is
// served at the root, so put the prefix in Options.API instead.
package bentoml
