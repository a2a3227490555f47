// SPDX-License-Identifier: Apache-2.0

// Package torchserve is the adapter for TorchServe 0.12 (pytorch/serve),
// built per route target: one model, optionally one version, behind one
// backend. Its wire facts are PROTOCOLS.md §2, checked against
// pytorch/serve@62c4d6a1.
//
//	backends:
//	  - name: ts
//	    kind: torchserve
//	    url: http://127.0.0.1:8080                  # Options.BaseURL (inference address)
//	    torchserve: {management_url: "http://127.0.0.1:8081", token: ""}
//	models:
//	  - name: mnist
//	    targets:
//	      - backend: ts
//	        model: mnist                            # Options.Model.Name
//	        version: "1.0"                          # Options.Model.Version (default version if empty)
//	        outputs: [digit]                        # Options.OutputNames
//	        torchserve: {envelope: json}            # Options.Envelope: json | instances | raw
//
// wires as
//
//	rb, _ := resilience.NewClient(resilience.ClientOptions{
//		Backend: "ts", Policy: p, Retryable: torchserve.Retryable, Fault: torchserve.Fault,
//	})
//	a, err := torchserve.New(torchserve.Options{
//		Backend: "ts", BaseURL: base, Client: rb.Client(),
//		Model:       adapters.ModelRef{Name: "mnist", Version: "1.0"},
//		OutputNames: []string{"digit"}, Envelope: torchserve.EnvelopeJSON,
//		ManagementURL: mgmt, Token: token,
//	})
//
// Calls:
//
//   - Infer: POST {base}/predictions/{model}[/{version}] with the body that
//     Options.Envelope selects, and "Authorization: Bearer <Token>" when a
//     token is set. See Adapter.Infer for how answers become tensors.
//   - ModelReady: GET {management}/models/{model}[/{version}] (a READY
//     worker) when ManagementURL is set, else the server-wide GET {base}/ping.
//   - ModelMetadata: errors.ErrUnsupported; TorchServe has no signatures.
//
// Errors follow PROTOCOLS.md §2.4 with TorchServe's quirks resolved (see
// classify): a handler exception's 503 "Prediction failed" is
// adapters.ErrModelFailed, the frontend's 503 "has no worker" and 507 are
// adapters.ErrUnavailable, 500 "Worker died." is adapters.ErrUnavailable,
// a refused token (400) is adapters.ErrBadUpstream. Every TorchServe answer
// of status 400 or more carries Connection: close; the adapter reads such
// bodies bounded and closes them, and assumes nothing of the connection.
// Retryable and Fault give the resilience layer the same distinctions.
//
// Not supported: TorchServe's KServe pass-through routes (/v1/models/…,
// /v2/models/…: use the oip adapter for a kservev2 envelope), explanations,
// multipart/form-data and form-urlencoded requests, streamed (chunked
// intermediate) answers, which are read whole, and token rotation (keys
// expire after 60 minutes unless TorchServe runs with token authorization
// disabled; the configured key is sent as is).
package torchserve
