// SPDX-License-Identifier: Apache-2.0

package config

import "time"

// Config is the whole gateway configuration: the HTTP server, the backends
// it talks to and the models (routes) it serves. It is pure data; Load fills
// it from defaults, a YAML file and the environment, and Validate checks it.
type Config struct {
	// Server configures the gateway's own HTTP server.
	Server Server `koanf:"server"`
	// Backends are the model servers the gateway forwards to. Names are
	// unique. Load fills absent keys of each element from DefaultBackend.
	Backends []Backend `koanf:"backends"`
	// Models are the routes clients call, by model name. Names are unique.
	Models []Route `koanf:"models"`
}

// Server configures the gateway's HTTP server.
type Server struct {
	// Listen is the host:port to listen on; port 0 picks a free port.
	// Default: "127.0.0.1:8080".
	Listen string `koanf:"listen"`
	// MaxBodyBytes caps request bodies; larger ones get 413.
	// Default: 16MiB.
	MaxBodyBytes ByteSize `koanf:"max_body_bytes"`
	// ReadHeaderTimeout bounds reading request headers. Default: 10s.
	ReadHeaderTimeout time.Duration `koanf:"read_header_timeout"`
	// IdleTimeout closes idle keep-alive client connections. Default: 120s.
	IdleTimeout time.Duration `koanf:"idle_timeout"`
	// ShutdownTimeout is the longest a graceful shutdown waits for
	// in-flight requests before closing their connections. Default: 30s.
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	// DrainDelay is how long readiness reports 503 before shutdown starts,
	// so load balancers stop sending new requests. Default: 0s (none).
	DrainDelay time.Duration `koanf:"drain_delay"`
	// DefaultTimeout is the whole-request timeout of a model that sets
	// none. Default: 30s.
	DefaultTimeout time.Duration `koanf:"default_timeout"`
}

// Backend is one model server.
type Backend struct {
	// Name identifies the backend in targets, logs, metrics and headers.
	// Required, unique, lower-case letters, digits, '-', '_' and '.'.
	Name string `koanf:"name"`
	// Kind is the wire protocol the backend speaks. Required.
	Kind Kind `koanf:"kind"`
	// URL is the backend's base URL, an absolute http(s) URL. A path is kept
	// as a prefix. Required.
	URL string `koanf:"url"`
	// Timeout bounds one attempt up to the response headers (the
	// transport's ResponseHeaderTimeout). Default: 30s.
	Timeout time.Duration `koanf:"timeout"`
	// MaxResponseBytes caps a response body read from the backend; larger
	// answers fail as a bad upstream. Default: 64MiB.
	MaxResponseBytes ByteSize `koanf:"max_response_bytes"`
	// MaxConcurrency caps the requests in flight to this backend; more fail
	// fast with 503. 0 means unlimited. Default: 64 (when the key is absent;
	// an explicit 0 stays 0).
	MaxConcurrency int `koanf:"max_concurrency"`
	// Retry is the retry policy. Defaults: see Retry.
	Retry Retry `koanf:"retry"`
	// Breaker is the circuit breaker policy. Defaults: see Breaker.
	Breaker Breaker `koanf:"breaker"`
	// Pool sizes and times the connection pool. Defaults: see Pool.
	Pool Pool `koanf:"pool"`
	// TorchServe holds TorchServe-only settings. Only valid for kind
	// torchserve. If nil, there is no management URL and no token.
	TorchServe *TorchServeBackend `koanf:"torchserve"`
}

// Retry is a backend's retry policy.
type Retry struct {
	// MaxAttempts counts all attempts including the first; 1 disables
	// retries. Default: 3.
	MaxAttempts int `koanf:"max_attempts"`
	// BackoffMin is the first backoff before jitter. Default: 20ms.
	BackoffMin time.Duration `koanf:"backoff_min"`
	// BackoffMax caps the exponential backoff. Default: 500ms.
	BackoffMax time.Duration `koanf:"backoff_max"`
	// BudgetRatio caps retries at this fraction of recent requests, in
	// [0, 1]. Default: 0.2.
	BudgetRatio float64 `koanf:"budget_ratio"`
	// BudgetFloor is the number of retries always allowed per 10 s window
	// whatever the ratio says. Default: 10.
	BudgetFloor int `koanf:"budget_floor"`
}

// Breaker is a backend's circuit breaker policy.
type Breaker struct {
	// ConsecutiveFailures opens the breaker after this many backend faults
	// in a row. Default: 5.
	ConsecutiveFailures int `koanf:"consecutive_failures"`
	// OpenFor is how long an open breaker rejects calls before letting
	// probes through. Default: 10s.
	OpenFor time.Duration `koanf:"open_for"`
	// HalfOpenProbes is how many calls a half-open breaker lets through.
	// Default: 1.
	HalfOpenProbes int `koanf:"half_open_probes"`
	// PerModel keeps one breaker per backend model instead of one per
	// backend. Default: false.
	PerModel bool `koanf:"per_model"`
}

// Pool configures a backend's connection pool.
type Pool struct {
	// MaxIdleConns is the number of idle keep-alive connections kept; at
	// least 1. Default: 64.
	MaxIdleConns int `koanf:"max_idle_conns"`
	// IdleTimeout closes idle connections; keep it below the backend's own
	// keep-alive (uvicorn: 5s). Default: 4s.
	IdleTimeout time.Duration `koanf:"idle_timeout"`
	// DialTimeout bounds connecting. Default: 2s.
	DialTimeout time.Duration `koanf:"dial_timeout"`
}

// TorchServeBackend holds settings of a TorchServe backend.
type TorchServeBackend struct {
	// ManagementURL is the management API's base URL, used for model
	// metadata and readiness. If empty, only the inference API is used.
	// Default: "".
	ManagementURL string `koanf:"management_url"`
	// Token is the inference API key sent as a bearer token. If empty, no
	// Authorization header is sent. Default: "". Never printed.
	Token Secret `koanf:"token"`
	// ManagementToken is the management API key (TorchServe accepts only
	// that key on the management port), sent as a bearer token to
	// ManagementURL. If empty, no Authorization header is sent there.
	// Default: "". Never printed.
	ManagementToken Secret `koanf:"management_token"`
}

// Route is one model clients can call, served by an ordered list of targets.
type Route struct {
	// Name is the model name clients use. Required, unique; letters,
	// digits, '-', '_' and '.'.
	Name string `koanf:"name"`
	// Timeout bounds the whole request, including retries and fallbacks.
	// If zero, Server.DefaultTimeout (Load fills it in).
	Timeout time.Duration `koanf:"timeout"`
	// Targets are tried in order; later ones are fallbacks. At least one.
	Targets []Target `koanf:"targets"`
}

// Target is one backend model serving a route. At most one per-kind block
// (TFServing, TorchServe, MLflow, BentoML) is set, and it must match the
// backend's kind. Load sets the block of the backend's kind to its defaults
// when the file sets none, so after Load it is non-nil for kinds that have one.
type Target struct {
	// Backend names a Backend. Required.
	Backend string `koanf:"backend"`
	// Model is the backend's name for the model. If empty, the route name
	// (Load fills it in).
	Model string `koanf:"model"`
	// Version is the backend model version. If empty, the backend's
	// default (latest) version.
	Version string `koanf:"version"`
	// Outputs name the backend's unnamed outputs, in order. If empty,
	// "output-0", "output-1", ...
	Outputs []string `koanf:"outputs"`
	// TFServing holds TF Serving options. Defaults: DefaultTFServing.
	TFServing *TFServing `koanf:"tfserving"`
	// TorchServe holds TorchServe options. Defaults: DefaultTorchServe.
	TorchServe *TorchServe `koanf:"torchserve"`
	// MLflow holds MLflow options. Defaults: DefaultMLflow.
	MLflow *MLflow `koanf:"mlflow"`
	// BentoML holds BentoML options. Defaults: DefaultBentoML.
	BentoML *BentoML `koanf:"bentoml"`
}

// TFServing holds per-target TF Serving options.
type TFServing struct {
	// SignatureName selects the SignatureDef. Default: "serving_default".
	SignatureName string `koanf:"signature_name"`
	// Format is the request body format: "row" (instances) or "columnar"
	// (inputs). Default: "columnar".
	Format string `koanf:"format"`
	// Label selects a version label (/labels/{label}) instead of Version;
	// the two are exclusive. Default: "" (none).
	Label string `koanf:"label"`
}

// TorchServe holds per-target TorchServe options.
type TorchServe struct {
	// Envelope is the request body shape: "json" (the inputs as a JSON
	// object), "instances" ({"instances": rows}) or "raw" (the raw payload).
	// Default: "json".
	Envelope string `koanf:"envelope"`
}

// MLflow holds per-target MLflow scoring server options.
type MLflow struct {
	// Format is the /invocations body: "inputs" (tensor input) or
	// "dataframe_split". Default: "dataframe_split".
	Format string `koanf:"format"`
	// Columns are the dataframe column names, in order, for
	// "dataframe_split". If empty, the input tensor names. Default: none.
	Columns []string `koanf:"columns"`
	// MLmodelPath is the path of the model's MLmodel file, read for the
	// signature. If empty, metadata is unsupported. Default: "".
	MLmodelPath string `koanf:"mlmodel_path"`
}

// BentoML holds per-target BentoML options.
type BentoML struct {
	// API is the API method name (a Python identifier, served at /{api})
	// or, for a custom route, its path starting with "/". Default: "predict".
	API string `koanf:"api"`
	// Params maps tensor names to the API's parameter names. Tensors not
	// listed keep their own names. Default: none.
	Params map[string]string `koanf:"params"`
}

// Kind is a backend's wire protocol.
type Kind string

// The backend kinds.
const (
	KindTFServing  Kind = "tfserving"
	KindTorchServe Kind = "torchserve"
	KindMLflow     Kind = "mlflow"
	KindBentoML    Kind = "bentoml"
	KindOIP        Kind = "oip"
)

// Kinds lists every valid Kind.
func Kinds() []Kind {
	return []Kind{KindTFServing, KindTorchServe, KindMLflow, KindBentoML, KindOIP}
}

// Enumerated option values.
const (
	TFServingRow         = "row"
	TFServingColumnar    = "columnar"
	EnvelopeJSON         = "json"
	EnvelopeInstances    = "instances"
	EnvelopeRaw          = "raw"
	MLflowInputs         = "inputs"
	MLflowDataframeSplit = "dataframe_split"
)

// Backend returns the backend named name, or nil.
func (c *Config) Backend(name string) *Backend {
	for i := range c.Backends {
		if c.Backends[i].Name == name {
			return &c.Backends[i]
		}
	}
	return nil
}
