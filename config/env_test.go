// SPDX-License-Identifier: Apache-2.0

package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const envBase = `
backends:
  - {name: a, kind: oip, url: "http://a"}
  - {name: ts, kind: torchserve, url: "http://ts"}
models:
  - name: m
    targets:
      - {backend: ts, outputs: [x], bentoml: {params: {Input_1: p}}}
`

func TestLoadEnvOverrides(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   []string
		check func(*Config) (got, want any)
	}{
		{
			"top-level section key",
			[]string{"MODELGATE_SERVER__LISTEN=127.0.0.1:9090"},
			func(c *Config) (any, any) { return c.Server.Listen, "127.0.0.1:9090" },
		},
		{
			"byte size from a string",
			[]string{"MODELGATE_SERVER__MAX_BODY_BYTES=1MiB"},
			func(c *Config) (any, any) { return c.Server.MaxBodyBytes, MiB },
		},
		{
			"list element by index",
			[]string{"MODELGATE_BACKENDS__1__URL=http://10.0.0.5:8080"},
			func(c *Config) (any, any) { return c.Backends[1].URL, "http://10.0.0.5:8080" },
		},
		{
			"nested block of a list element keeps the other defaults",
			[]string{"MODELGATE_BACKENDS__0__RETRY__MAX_ATTEMPTS=1"},
			func(c *Config) (any, any) {
				r := DefaultBackend().Retry
				r.MaxAttempts = 1
				return c.Backends[0].Retry, r
			},
		},
		{
			"per-kind block the file lacks",
			[]string{"MODELGATE_BACKENDS__1__TORCHSERVE__TOKEN=s3cret"},
			func(c *Config) (any, any) { return c.Backends[1].TorchServe, &TorchServeBackend{Token: "s3cret"} },
		},
		{
			"per-kind target block created from the environment gets its defaults",
			[]string{"MODELGATE_MODELS__0__TARGETS__0__TORCHSERVE__ENVELOPE=raw"},
			func(c *Config) (any, any) {
				return c.Models[0].Targets[0].TorchServe, &TorchServe{Envelope: EnvelopeRaw}
			},
		},
		{
			"string list, comma-separated",
			[]string{"MODELGATE_MODELS__0__TARGETS__0__OUTPUTS=label,score"},
			func(c *Config) (any, any) { return c.Models[0].Targets[0].Outputs, []string{"label", "score"} },
		},
		{
			"list element of a string list",
			[]string{"MODELGATE_MODELS__0__TARGETS__0__OUTPUTS__0=y"},
			func(c *Config) (any, any) { return c.Models[0].Targets[0].Outputs, []string{"y"} },
		},
		{
			"map key matched case-insensitively",
			[]string{"MODELGATE_MODELS__0__TARGETS__0__BENTOML__PARAMS__INPUT_1=q"},
			func(c *Config) (any, any) {
				return c.Models[0].Targets[0].BentoML.Params, map[string]string{"Input_1": "q"}
			},
		},
		{
			"durations, ints and bools from strings",
			[]string{
				"MODELGATE_BACKENDS__0__TIMEOUT=3s",
				"MODELGATE_BACKENDS__0__MAX_CONCURRENCY=0",
				"MODELGATE_BACKENDS__0__BREAKER__PER_MODEL=true",
			},
			func(c *Config) (any, any) {
				b := c.Backends[0]
				return []any{b.Timeout, b.MaxConcurrency, b.Breaker.PerModel}, []any{3 * time.Second, 0, true}
			},
		},
		{
			"other variables are ignored",
			[]string{"HOME=/root", "MODELGATEX=1", "modelgate_server__listen=:1"},
			func(c *Config) (any, any) { return c.Server.Listen, Default().Server.Listen },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := loadYAML(t, envBase, tt.env...)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got, want := tt.check(cfg)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadEnvErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		env  []string
		want []string
	}{
		{
			"index out of range",
			envBase,
			[]string{"MODELGATE_BACKENDS__2__URL=http://x"},
			[]string{"MODELGATE_BACKENDS__2__URL: index 2 out of range: backends has 2 elements (lists are extended in the file, not the environment)"},
		},
		{
			"list the file does not define",
			"server: {}\n",
			[]string{"MODELGATE_BACKENDS__0__URL=http://x"},
			[]string{"MODELGATE_BACKENDS__0__URL: index 0 out of range: backends has 0 elements (lists are extended in the file, not the environment)"},
		},
		{
			"not an index",
			envBase,
			[]string{"MODELGATE_BACKENDS__FIRST__URL=http://x"},
			[]string{`MODELGATE_BACKENDS__FIRST__URL: backends is a list: "FIRST" is not an index`},
		},
		{
			"value used as a section",
			envBase,
			[]string{"MODELGATE_SERVER__LISTEN__HOST=x"},
			[]string{"MODELGATE_SERVER__LISTEN__HOST: server.listen is a value, not a section"},
		},
		{
			"empty segment",
			envBase,
			[]string{"MODELGATE_SERVER____LISTEN=x"},
			[]string{`MODELGATE_SERVER____LISTEN: empty key segment (separate levels with "__")`},
		},
		{
			"every bad variable is reported",
			envBase,
			[]string{"MODELGATE_BACKENDS__9__URL=x", "MODELGATE_MODELS__3__NAME=y"},
			[]string{
				"MODELGATE_BACKENDS__9__URL: index 9 out of range: backends has 2 elements (lists are extended in the file, not the environment)",
				"MODELGATE_MODELS__3__NAME: index 3 out of range: models has 1 elements (lists are extended in the file, not the environment)",
			},
		},
		{
			"unknown key from the environment",
			envBase,
			[]string{"MODELGATE_BACKENDS__0__URLL=x"},
			[]string{"backends[0].urll: unknown key"},
		},
		{
			"single underscore after a section",
			envBase,
			[]string{"MODELGATE_SERVER_LISTEN=127.0.0.1:1"},
			[]string{`MODELGATE_SERVER_LISTEN: separate levels with "__" (MODELGATE_SERVER__…)`},
		},
		{
			"other tools' variables are ignored",
			envBase,
			[]string{"MODELGATE_BIN=/x/modelgate", "MODELGATE_RUN_DIR=/tmp/run", "MODELGATE_CONFIG__PATH=y"},
			nil,
		},
		{
			"ill-typed value from the environment",
			envBase,
			[]string{"MODELGATE_BACKENDS__0__RETRY__MAX_ATTEMPTS=three"},
			[]string{"backends[0].retry.max_attempts: cannot parse value as 'int': strconv.ParseInt: invalid syntax"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadYAML(t, tt.body, tt.env...)
			if diff := cmp.Diff(tt.want, errLines(err)); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
