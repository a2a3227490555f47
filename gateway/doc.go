// SPDX-License-Identifier: Apache-2.0

// Package gateway is modelgate's HTTP surface: an echo server that speaks the
// Open Inference Protocol v2 REST API and TensorFlow Serving's REST v1 API to
// clients, routes each request by model name to an ordered list of targets
// (backend adapters), and maps every failure to a precise status with a JSON
// {"error": "…"} body.
//
// # Front protocols
//
// OIP v2 (PROTOCOLS.md §6): GET /v2/health/live, GET /v2/health/ready,
// GET /v2, GET /v2/models/{m}[/versions/{v}], GET …/ready,
// POST …/infer and POST /v2/repository/index.
//
// TF Serving v1 (PROTOCOLS.md §1): POST /v1/models/{m}[/versions/{v}|/labels/{l}]:predict,
// GET /v1/models/{m}[/versions/{v}] (status) and GET …/metadata. Paths are
// matched with TF Serving's own regular expressions, case-insensitively, and
// malformed ones get TF's "Malformed request: …" 400. Version labels are not
// configurable here, so every label is answered like a TF server without
// labels: 400 "Unrecognized servable version label: …". :classify and
// :regress answer 501.
//
// # Request path
//
// Each routed request gets a deadline: the smaller of the route's Timeout and
// the client's X-Request-Timeout header ("2.5" seconds or a Go duration such
// as "250ms"). Bodies are capped at Options.MaxBodyBytes (413). Targets are
// tried in order; the gateway moves to the next target only when a target is
// unavailable or rate limited, and never once the deadline has passed. The
// response names the target that answered in X-Modelgate-Backend and the
// number of upstream attempts in X-Modelgate-Attempts. Every response carries
// X-Request-Id (the client's, if sane, else a random one), which also appears
// in the log line of the request.
//
// Readiness (GET /v2/models/{m}/ready, the v1 status, the repository index)
// asks the targets in order and is ready when any target is. Metadata comes
// from the first target that publishes some, under the route's name. A v1
// predict decodes against that metadata as the TF signature
// ("serving_default"): it is cached per target and version after one
// bounded metadata call, and without it the codec infers datatypes.
//
// # Errors
//
// statusFor maps the adapters error kinds to statuses (STYLE.md §3.4):
// invalid input 400, unknown model 404, body too large 413, unsupported media
// type 415, rate limited 429, unavailable 503 (both with Retry-After),
// unsupported 501, bad upstream 502, model failed 500, deadline 504, client
// gone 499. Upstream bodies are never echoed: messages use the bounded
// adapters.Error.Message only.
//
// # Operations
//
// Options.Observe receives one Observation per finished request (route,
// front protocol, backend, status, attempts, duration) for metrics, and
// Options.Metrics, if set, is served at GET /metrics; the gateway itself
// imports no metrics library (see package gateway/metrics).
// Options.Attempts plugs in the resilience layer's attempt counter.
//
// Options.Admin, if set, enables JSON admin endpoints: GET /admin/backends
// and GET /admin/config answer what the AdminSource reports, and
// GET /admin/routes/{model} explains a route as currently served (timeout,
// fallback rule, targets in order with each Target.Describe's details).
//
// # Reload
//
// SetRoutes replaces the whole route table atomically; each request
// resolves its route once, so requests in flight finish on the targets they
// started with. SetShutdownTimeouts replaces ShutdownTimeout and DrainDelay
// for the next shutdown. The other Options are fixed at New.
//
// # Wiring
//
//	g, err := gateway.New(gateway.Options{
//		Routes: []gateway.Route{{
//			Name:    "iris",
//			Timeout: 5 * time.Second,
//			Targets: []gateway.Target{
//				{Backend: "mlflow-iris", Adapter: mlflowAdapter},
//				{Backend: "kserve-iris", Adapter: oipAdapter}, // fallback
//			},
//		}},
//		Logger: logger,
//	})
//	if err != nil { … }
//	ln, _ := net.Listen("tcp", "127.0.0.1:8080")
//	err = g.Run(ctx, ln) // until ctx is done, then drains and shuts down
package gateway
