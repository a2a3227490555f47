// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// badFile breaks every rule Validate checks at least once.
const badFile = `
server:
  listen: "localhost"
  max_body_bytes: 0
  read_header_timeout: -1s
  idle_timeout: 0s
  shutdown_timeout: 0s
  drain_delay: -1s
  default_timeout: 0s
backends:
  - name: Bad_Name
    kind: grpc
    url: ftp://user:pw@host/x
    timeout: 0s
    max_response_bytes: 0
    max_concurrency: -1
    retry: {max_attempts: 0, backoff_min: -1ms, backoff_max: 10ms, budget_ratio: 1.5, budget_floor: -1}
    breaker: {consecutive_failures: 0, open_for: 0s, half_open_probes: 0}
    pool: {max_idle_conns: -1, idle_timeout: -1s, dial_timeout: 0s}
    torchserve: {management_url: "not a url", token: "hunter2 x", management_token: "s3cret y"}
  - name: ts
    kind: torchserve
    url: http://ts:8080?x=1
  - name: ts
    kind: oip
    url: ""
models:
  - name: "bad name"
    timeout: -1s
    targets:
      - backend: x
      - backend: ts
        outputs: ["", a, a]
        mlflow: {format: csv, columns: [c]}
        bentoml: {api: "not an api", params: {t: "1p"}}
      - backend: ts
        version: "1"
        tfserving: {format: rows, label: stable}
      - {backend: ts, model: "m", torchserve: {envelope: xml}}
      - {backend: ts, model: "m"}
      - {backend: ""}
  - name: ok
    targets: []
  - name: ok
    targets: [{backend: ts, model: " "}]
`

func TestValidateReportsEveryProblemWithItsPath(t *testing.T) {
	t.Parallel()
	cfg, err := loadYAML(t, badFile)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []string{
		`server.listen: must be host:port, e.g. "127.0.0.1:8080" (got "localhost")`,
		`server.max_body_bytes: must be positive`,
		`server.read_header_timeout: must be a positive duration (got -1s)`,
		`server.idle_timeout: must be a positive duration (got 0s)`,
		`server.shutdown_timeout: must be a positive duration (got 0s)`,
		`server.drain_delay: must not be negative (got -1s)`,
		`server.default_timeout: must be a positive duration (got 0s)`,
		`backends[0].name: "Bad_Name": use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit`,
		`backends[0].kind: must be one of tfserving, torchserve, mlflow, bentoml, oip (got "grpc")`,
		`backends[0].url: must be an absolute http(s) URL (got "ftp://user:xxxxx@host/x")`,
		`backends[0].timeout: must be a positive duration (got 0s)`,
		`backends[0].max_response_bytes: must be positive`,
		`backends[0].max_concurrency: must be 0 (unlimited) or positive`,
		`backends[0].retry.max_attempts: must be in 1..10, counting the first attempt (got 0)`,
		`backends[0].retry.backoff_min: must be a positive duration (got -1ms)`,
		`backends[0].retry.budget_ratio: must be in [0, 1] (got 1.5)`,
		`backends[0].retry.budget_floor: must not be negative`,
		`backends[0].breaker.consecutive_failures: must be at least 1 (got 0)`,
		`backends[0].breaker.open_for: must be a positive duration (got 0s)`,
		`backends[0].breaker.half_open_probes: must be at least 1 (got 0)`,
		`backends[0].pool.max_idle_conns: must be at least 1 (got -1)`,
		`backends[0].pool.idle_timeout: must be a positive duration (got -1s)`,
		`backends[0].pool.dial_timeout: must be a positive duration (got 0s)`,
		`backends[0].torchserve: set but kind is grpc`,
		`backends[0].torchserve.management_url: must be an absolute http(s) URL (got "not%20a%20url")`,
		`backends[0].torchserve.token: must not contain whitespace`,
		`backends[0].torchserve.management_token: must not contain whitespace`,
		`backends[1].url: must not have a query or fragment (got "http://ts:8080?x=1")`,
		`backends[2].url: required`,
		`backends[2].name: duplicate name "ts" (also backends[1])`,
		`models[0].name: "bad name": use letters, digits, '-', '_' and '.', starting with a letter or digit`,
		`models[0].timeout: must not be negative (got -1s)`,
		`models[0].targets[0].backend: unknown backend "x"`,
		`models[0].targets[1].outputs[0]: must not be empty`,
		`models[0].targets[1].outputs[2]: duplicate name "a"`,
		`models[0].targets[1]: sets mlflow and bentoml: at most one per-kind block may be set`,
		`models[0].targets[1].mlflow: set but backend "ts" is kind torchserve`,
		`models[0].targets[1].bentoml: set but backend "ts" is kind torchserve`,
		`models[0].targets[1].mlflow.format: must be one of inputs, dataframe_split (got "csv")`,
		`models[0].targets[1].mlflow.columns: only used with format dataframe_split`,
		`models[0].targets[1].bentoml.api: must be a Python identifier (the API method name) or a route path starting with "/" (got "not an api")`,
		`models[0].targets[1].bentoml.params["t"]: must be a Python parameter name (got "1p")`,
		`models[0].targets[2].tfserving: set but backend "ts" is kind torchserve`,
		`models[0].targets[2].tfserving.format: must be one of row, columnar (got "rows")`,
		`models[0].targets[2].tfserving.label: version and label are exclusive: set one`,
		`models[0].targets[3].torchserve.envelope: must be one of json, instances, raw (got "xml")`,
		`models[0].targets[4]: duplicate of targets[3] (same backend, model and version)`,
		`models[0].targets[5].backend: required`,
		`models[1].targets: at least one target is required`,
		`models[2].name: duplicate name "ok" (also models[1])`,
		`models[2].targets[0].model: must not be blank`,
	}
	if diff := cmp.Diff(want, errLines(cfg.Validate())); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateErrorsAreFieldErrors(t *testing.T) {
	t.Parallel()
	cfg, err := loadYAML(t, badFile)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var fe *FieldError
	if err := cfg.Validate(); !errors.As(err, &fe) || fe.Path != "server.listen" {
		t.Errorf("got first FieldError %+v, want path server.listen", fe)
	}
}

func TestValidateRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // nil: valid
	}{
		{"the base is valid", func(*Config) {}, nil},
		{"port 0 is allowed", func(c *Config) { c.Server.Listen = "127.0.0.1:0" }, nil},
		{"empty host listens everywhere", func(c *Config) { c.Server.Listen = ":8080" }, nil},
		{"bad port", func(c *Config) { c.Server.Listen = "127.0.0.1:http" },
			[]string{`server.listen: port must be a number in 0..65535 (got "http")`}},
		{"port too large", func(c *Config) { c.Server.Listen = "127.0.0.1:70000" },
			[]string{`server.listen: port must be a number in 0..65535 (got "70000")`}},
		{"explicit zero concurrency means unlimited", func(c *Config) { c.Backends[0].MaxConcurrency = 0 }, nil},
		{"single attempt", func(c *Config) { c.Backends[0].Retry.MaxAttempts = 1 }, nil},
		{"too many attempts", func(c *Config) { c.Backends[0].Retry.MaxAttempts = 11 },
			[]string{`backends[0].retry.max_attempts: must be in 1..10, counting the first attempt (got 11)`}},
		{"budget ratio bounds are inclusive", func(c *Config) { c.Backends[0].Retry.BudgetRatio = 1 }, nil},
		{"negative budget ratio", func(c *Config) { c.Backends[0].Retry.BudgetRatio = -0.1 },
			[]string{`backends[0].retry.budget_ratio: must be in [0, 1] (got -0.1)`}},
		{"backoff max below min", func(c *Config) { c.Backends[0].Retry.BackoffMax = 1 },
			[]string{`backends[0].retry.backoff_max: must not be less than backoff_min (1ns < 20ms)`}},
		{"https with a path prefix", func(c *Config) { c.Backends[0].URL = "https://h:1/prefix/" }, nil},
		{"relative URL", func(c *Config) { c.Backends[0].URL = "/v2" },
			[]string{`backends[0].url: must be an absolute http(s) URL (got "/v2")`}},
		{"missing kind", func(c *Config) { c.Backends[0].Kind = "" },
			[]string{`backends[0].kind: must be one of tfserving, torchserve, mlflow, bentoml, oip (got "")`}},
		{"no backends", func(c *Config) { c.Backends = nil },
			[]string{`backends: at least one backend is required`, `models[0].targets[0].backend: unknown backend "b"`}},
		{"no models", func(c *Config) { c.Models = nil }, []string{`models: at least one model is required`}},
		{"per-kind block on an oip backend", func(c *Config) { c.Models[0].Targets[0].MLflow = &MLflow{Format: MLflowInputs} },
			[]string{`models[0].targets[0].mlflow: set but backend "b" is kind oip`}},
		{"bentoml route path", func(c *Config) {
			c.Backends[0].Kind = KindBentoML
			c.Models[0].Targets[0].BentoML = &BentoML{API: "/v1/classify", Params: map[string]string{"x": "input_data"}}
		}, nil},
		{"version label and version", func(c *Config) {
			c.Backends[0].Kind = KindTFServing
			c.Models[0].Targets[0].TFServing = &TFServing{Format: TFServingRow, Label: "canary"}
		}, nil},
		{"route names may use upper case", func(c *Config) { c.Models[0].Name = "ResNet-50" }, nil},
		{"route name with a colon", func(c *Config) { c.Models[0].Name = "m:predict" },
			[]string{`models[0].name: "m:predict": use letters, digits, '-', '_' and '.', starting with a letter or digit`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := validBase()
			tt.change(cfg)
			if diff := cmp.Diff(tt.want, errLines(cfg.Validate())); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// validBase is a small valid configuration built in code.
func validBase() *Config {
	c := Default()
	c.Backends = []Backend{backend("b", KindOIP, "http://127.0.0.1:8000")}
	c.Models = []Route{{Name: "m", Targets: []Target{{Backend: "b"}}}}
	c.resolve()
	return &c
}

func TestSecretsAreNeverPrinted(t *testing.T) {
	t.Parallel()
	const token = "hunter2-very-secret"
	cfg, err := loadYAML(t, envBase, "MODELGATE_BACKENDS__1__TORCHSERVE__TOKEN="+token+" x")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := string(cfg.Backends[1].TorchServe.Token); got != token+" x" {
		t.Fatalf("got token %q, want the loaded value", got)
	}
	ts := cfg.Backends[1].TorchServe
	outputs := map[string]string{
		"Validate": fmt.Sprint(cfg.Validate()),
		"%v":       fmt.Sprintf("%v", *ts),
		"%+v":      fmt.Sprintf("%+v", *ts),
		"%#v":      fmt.Sprintf("%#v", *ts),
		"%s":       fmt.Sprintf("token=%s", ts.Token),
		"%q":       fmt.Sprintf("%q", ts.Token),
		"config":   fmt.Sprintf("%+v", cfg.Backends),
	}
	for name, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks the token: %s", name, out)
		}
	}
	if !strings.Contains(outputs["%+v"], "[redacted]") {
		t.Errorf("got %s, want the token shown as [redacted]", outputs["%+v"])
	}
}

func TestLoadAndValidateReportsBothSteps(t *testing.T) {
	t.Parallel()
	path := writeFile(t, `
server: {listen: nowhere, max_body_bytes: huge}
backends:
  - {name: a, kind: oip, url: "ftp://a", retry: {max_attempts: many}, urll: x}
models:
  - {name: m, targets: [{backend: b}]}
`)
	_, err := LoadAndValidate(LoadOptions{Path: path, Environ: func() []string {
		return []string{"MODELGATE_MODELS__7__NAME=x", "MODELGATE_SERVER__DRAIN_DELAY=-1s"}
	}})
	want := []string{
		// environment, then decoding, then validation
		"MODELGATE_MODELS__7__NAME: index 7 out of range: models has 1 elements (lists are extended in the file, not the environment)",
		`server.max_body_bytes: invalid byte size "huge": want a non-negative integer with an optional unit, e.g. "16MiB"`,
		"backends[0].retry.max_attempts: cannot parse value as 'int': strconv.ParseInt: invalid syntax",
		"backends[0].urll: unknown key",
		// no "must be positive" for max_body_bytes nor "must be in 1..10" for max_attempts
		`server.listen: must be host:port, e.g. "127.0.0.1:8080" (got "nowhere")`,
		"server.drain_delay: must not be negative (got -1s)",
		`backends[0].url: must be an absolute http(s) URL (got "ftp://a")`,
		`models[0].targets[0].backend: unknown backend "b"`,
	}
	if diff := cmp.Diff(want, errLines(err)); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadAndValidateAcceptsAGoodFile(t *testing.T) {
	t.Parallel()
	cfg, err := LoadAndValidate(LoadOptions{Path: "testdata/example.yaml"})
	if err != nil || len(cfg.Models) != 4 {
		t.Fatalf("got %v, %v; want the example's 4 models and no error", cfg, err)
	}
}
