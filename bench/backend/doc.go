// SPDX-License-Identifier: Apache-2.0

// Command backend is the fixed, fast model server that `make bench` puts
// behind every proxy under test (nginx, Caddy, modelgate) and also measures
// directly. It speaks just enough of each dialect, with canned answers:
//
//	POST /v2/models/{m}[/versions/{v}]/infer  OIP v2 (PROTOCOLS.md §6.3): small fixed FP32 [1,3] output,
//	                                          model_name and id echoed
//	GET  /v2/models/{m}[/versions/{v}]        OIP model metadata (§6.1): FP32 input-0 [-1,-1] → output-0 [-1,3]
//	GET  /v2/models/{m}[/versions/{v}]/ready  200, empty body
//	GET  /v2/health/live, /v2/health/ready    200, empty body
//	POST /v1/models/{m}:predict               TF Serving REST (§1.3): {"predictions": [[0.1,0.2,0.7]]}
//	GET  /v1/models/{m}                       TF Serving model status (§1.3): version 1 AVAILABLE
//	POST /invocations                         MLflow scoring server (§3.2–3.3): same predictions;
//	                                          415 unless the Content-Type is application/json
//	GET  /ping, /health                       MLflow health (§3.1): 200 "\n"
//
// Every answer is small, whatever the request: request bodies are drained
// without parsing (only the first 512 bytes are scanned for an OIP "id"), so
// the large-tensor scenario measures what a proxy does with a big request,
// not the backend's own JSON cost. Nothing is logged per request.
//
// Usage:
//
//	backend [-listen 127.0.0.1:19100]
package main
