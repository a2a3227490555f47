// SPDX-License-Identifier: Apache-2.0

// Package adaptertest is the conformance kit every adapter passes, in the
// manner of testing/slogtest and testing/fstest, plus Fake, a scripted
// adapters.Adapter for gateway and decorator tests.
//
// # Conformance against a fake backend
//
// An adapter's conformance_test.go supplies a Harness: how to build the
// adapter from a Config, and a fake backend that speaks the adapter's real
// wire protocol (as PROTOCOLS.md records it) for each Scenario:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		adaptertest.Run(t, adaptertest.Harness{
//			New: func(t *testing.T, cfg adaptertest.Config) adapters.Adapter {
//				a, err := tfserving.New(tfserving.Options{Backend: cfg.Backend, BaseURL: cfg.BaseURL,
//					Client: cfg.Client, Model: cfg.Model, MaxResponseBytes: cfg.MaxResponseBytes})
//				if err != nil {
//					t.Fatal(err)
//				}
//				return a
//			},
//			Backend:  fakeTFServing, // func(t *testing.T, s adaptertest.Scenario) http.Handler
//			Supports: adaptertest.Features{DTypes: []adapters.DType{adapters.FP32, adapters.Int64}},
//		})
//	}
//
// Run starts one httptest.Server per test and asserts, for Infer,
// ModelReady and ModelMetadata alike:
//
//  1. the OK round trip per supported dtype (edge values: integers past
//     2^53, extreme floats, escaped strings), all dtypes in one request,
//     requested outputs, versioned models and Raw payloads, each compared
//     with Harness.Expect (Identity by default) — or errors.ErrUnsupported
//     for what the adapter does not support, without any request;
//  2. the kind of every failure (ModelNotFound, BadInput, RateLimited with
//     RetryAfter 7s, ServerError, Unavailable, MalformedBody, OversizedBody
//     with and without Content-Length, refused and hung-up connections):
//     exactly one kind, via errors.Is, in an *adapters.Error whose Op,
//     Backend, Model and Status are filled in, whose Message is bounded and
//     whose text does not echo the upstream body;
//  3. cancellation and deadlines, before and during a hanging call, coming
//     back within Promptly as context.Canceled / context.DeadlineExceeded;
//  4. exactly one upstream request per call (no hidden retries), and none
//     for what the adapter refuses locally (an invalid tensor);
//  5. every response body closed, counted by a transport wrapping the client;
//  6. the *Request left as it was (deep copy compared with cmp.Diff);
//  7. Concurrency goroutines calling at once (run with -race);
//  8. no goroutine created by the adapter's package outliving its calls.
//
// # Against a real backend
//
// RunLive runs the subset that makes sense against a live server
// (//go:build integration tests): readiness, metadata, one known-answer
// inference, an unknown model, a canceled context.
package adaptertest
