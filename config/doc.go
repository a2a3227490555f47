// SPDX-License-Identifier: Apache-2.0

// Package config is modelgate's typed configuration: the Config tree, Load
// (defaults, then a YAML file, then MODELGATE_* environment variables) and
// Validate. It is pure data: it holds no clients or adapters, and it is the
// only package that imports koanf.
//
// A minimal file:
//
//	server: {listen: "127.0.0.1:8080", max_body_bytes: 16MiB}
//	backends:
//	  - name: kserve-iris
//	    kind: oip
//	    url: http://127.0.0.1:8081
//	    timeout: 2s                  # per attempt
//	    retry: {max_attempts: 3}
//	models:
//	  - name: iris
//	    timeout: 5s                  # whole request, all attempts
//	    targets:
//	      - {backend: kserve-iris, model: sklearn-iris}
//
// # Defaults
//
// Every field's comment states its default. Default returns the top-level
// defaults; DefaultBackend and DefaultTFServing, DefaultTorchServe,
// DefaultMLflow and DefaultBentoML hold the defaults of list elements, which
// koanf cannot reach, so Load fills each key a backend or per-kind block
// leaves absent (or null). Because this happens before decoding, an
// explicit zero is kept: max_concurrency: 0 means unlimited, while an absent
// max_concurrency means 64. Load then fills derived defaults: a model's
// timeout from server.default_timeout, a target's model from the route
// name, and the per-kind block of the target's backend kind.
//
// # Environment
//
// A variable MODELGATE_<KEY>[__<KEY>...] sets one key; "__" separates
// levels, names are case-insensitive, and a numeric segment indexes a list
// element that the file already defines:
//
//	MODELGATE_SERVER__LISTEN=127.0.0.1:9090
//	MODELGATE_BACKENDS__0__URL=http://10.0.0.5:8080
//	MODELGATE_BACKENDS__0__TORCHSERVE__TOKEN=…
//	MODELGATE_MODELS__1__TARGETS__0__OUTPUTS=label,score   # lists: comma-separated
//
// An index past the end of a list is an error naming the variable.
//
// # Errors
//
// Load rejects unknown keys, ill-typed values, durations without a unit,
// malformed byte sizes and bad MODELGATE_* variables; Validate checks values
// and cross-references; LoadAndValidate does both and reports the problems
// of both steps together. Each reports every problem, a *FieldError naming
// its key path (or variable), joined with errors.Join:
//
//	backends[1].url: must be an absolute http(s) URL (got "ftp://x")
//	models[0].targets[1].backend: unknown backend "x"
//	models[0].targets[0].mlflow: set but backend "ts" is kind torchserve
//
// Secrets (type Secret, e.g. the TorchServe token) are never printed.
package config
