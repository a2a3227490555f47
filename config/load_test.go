// SPDX-License-Identifier: Apache-2.0

package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// writeFile writes a YAML config into a temporary directory.
func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "modelgate.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadYAML loads body with the given environment.
func loadYAML(t *testing.T, body string, environ ...string) (*Config, error) {
	t.Helper()
	return Load(LoadOptions{Path: writeFile(t, body), Environ: func() []string { return environ }})
}

// errLines splits a joined error into its lines.
func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// sorted returns a sorted copy of s.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// backend returns DefaultBackend with the identity fields set.
func backend(name string, kind Kind, url string) Backend {
	b := DefaultBackend()
	b.Name, b.Kind, b.URL = name, kind, url
	return b
}

func TestLoadExampleFile(t *testing.T) {
	t.Parallel()
	got, err := Load(LoadOptions{Path: "testdata/example.yaml"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	mlflow := backend("mlflow-iris", KindMLflow, "http://127.0.0.1:15001")
	mlflow.Timeout = 2 * time.Second
	torch := backend("torchserve-mnist", KindTorchServe, "http://127.0.0.1:18080")
	torch.MaxConcurrency = 0
	torch.Retry.MaxAttempts = 1
	torch.TorchServe = &TorchServeBackend{ManagementURL: "http://127.0.0.1:18081"}
	bento := backend("bento-summarize", KindBentoML, "http://127.0.0.1:13000")
	bento.Timeout = 60 * time.Second
	kserve := backend("kserve-iris", KindOIP, "http://127.0.0.1:18082/")
	kserve.Breaker.ConsecutiveFailures = 3
	kserve.Breaker.OpenFor = 5 * time.Second

	want := &Config{
		Server: Default().Server,
		Backends: []Backend{
			mlflow, backend("tfserving-half", KindTFServing, "http://127.0.0.1:18501"), torch, bento, kserve,
		},
		Models: []Route{
			{Name: "iris", Timeout: 5 * time.Second, Targets: []Target{
				{Backend: "mlflow-iris", Model: "iris", Outputs: []string{"label"}, MLflow: &MLflow{
					Format:  MLflowDataframeSplit,
					Columns: []string{"sepal_length", "sepal_width", "petal_length", "petal_width"},
				}},
				{Backend: "kserve-iris", Model: "sklearn-iris"},
			}},
			{Name: "half_plus_two", Timeout: 30 * time.Second, Targets: []Target{
				{Backend: "tfserving-half", Model: "half_plus_two", TFServing: &TFServing{
					SignatureName: "serving_default", Format: TFServingRow, Label: "stable",
				}},
			}},
			{Name: "mnist", Timeout: 30 * time.Second, Targets: []Target{
				{Backend: "torchserve-mnist", Model: "mnist", Version: "1.0", TorchServe: &TorchServe{Envelope: EnvelopeInstances}},
			}},
			{Name: "summarize", Timeout: 90 * time.Second, Targets: []Target{
				{Backend: "bento-summarize", Model: "summarize", BentoML: &BentoML{
					API: "summarize", Params: map[string]string{"text": "texts"},
				}},
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load(example.yaml) mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadWithoutFileGivesDefaults(t *testing.T) {
	t.Parallel()
	got, err := Load(LoadOptions{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	if diff := cmp.Diff(&want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadAppliesElementDefaults(t *testing.T) {
	t.Parallel()
	got, err := loadYAML(t, `
server: {listen: "0.0.0.0:9000", default_timeout: 7s}
backends:
  - {name: a, kind: oip, url: "http://a"}
  - name: b
    kind: tfserving
    url: http://b
    max_concurrency: 0          # explicit zero is kept: unlimited
    timeout: ~                  # null means default
    retry: {max_attempts: 1}    # the rest of the block is defaulted
  - {name: c, kind: mlflow, url: "http://c"}
models:
  - name: m
    targets:
      - {backend: a}
      - {backend: b, tfserving: {format: row}}
      - {backend: c}
`)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	b := backend("b", KindTFServing, "http://b")
	b.MaxConcurrency = 0
	b.Retry.MaxAttempts = 1
	server := Default().Server
	server.Listen, server.DefaultTimeout = "0.0.0.0:9000", 7*time.Second
	want := &Config{
		Server:   server,
		Backends: []Backend{backend("a", KindOIP, "http://a"), b, backend("c", KindMLflow, "http://c")},
		Models: []Route{{Name: "m", Timeout: 7 * time.Second, Targets: []Target{
			{Backend: "a", Model: "m"},
			{Backend: "b", Model: "m", TFServing: &TFServing{SignatureName: "serving_default", Format: TFServingRow}},
			{Backend: "c", Model: "m", MLflow: &MLflow{Format: MLflowDataframeSplit}},
		}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"top level", "servr: {}\n", []string{"servr: unknown key"}},
		{"in server", "server: {listen: ':1', max_body: 1}\n", []string{"server.max_body: unknown key"}},
		{"keys are case-sensitive", "Server: {}\nserver: {Listen: x}\n", []string{"server.Listen: unknown key", "Server: unknown key"}},
		{
			"in a backend and its nested block",
			"backends:\n  - {name: a, kind: oip, url: 'http://a', urll: x, retry: {max_attemps: 2}}\n",
			[]string{"backends[0].retry.max_attemps: unknown key", "backends[0].urll: unknown key"},
		},
		{
			"in a per-kind block of the second target",
			"models:\n  - name: m\n    targets:\n      - {backend: a}\n      - {backend: b, mlflow: {fromat: inputs}}\n",
			[]string{"models[0].targets[1].mlflow.fromat: unknown key"},
		},
		{
			"several in one map",
			"server: {zz: 1, aa: 2}\n",
			[]string{"server.aa: unknown key", "server.zz: unknown key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadYAML(t, tt.body)
			if diff := cmp.Diff(tt.want, errLines(err)); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadByteSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value   string
		want    ByteSize
		wantErr string
	}{
		{"16MiB", 16 << 20, ""},
		{"512KiB", 512 << 10, ""},
		{"1GiB", 1 << 30, ""},
		{"10MB", 10_000_000, ""},
		{"'2 kb'", 2000, ""},
		{"4096", 4096, ""},
		{"'4096'", 4096, ""},
		{"16XB", 0, `server.max_body_bytes: invalid byte size "16XB": unknown unit "XB" (want B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`},
		{"-1", 0, "server.max_body_bytes: invalid byte size -1: must not be negative"},
		{"1.5MiB", 0, `server.max_body_bytes: invalid byte size "1.5MiB": unknown unit ".5MiB" (want B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`},
		{"MiB", 0, `server.max_body_bytes: invalid byte size "MiB": want a non-negative integer with an optional unit, e.g. "16MiB"`},
		{"99999999999TiB", 0, `server.max_body_bytes: invalid byte size "99999999999TiB": too large`},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			cfg, err := loadYAML(t, "server: {max_body_bytes: "+tt.value+"}\n")
			if tt.wantErr != "" {
				if got := errLines(err); len(got) != 1 || got[0] != tt.wantErr {
					t.Fatalf("got error %q, want %q", got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Server.MaxBodyBytes != tt.want {
				t.Errorf("got %d, want %d", cfg.Server.MaxBodyBytes, tt.want)
			}
		})
	}
}

func TestLoadDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value   string
		want    time.Duration
		wantErr string
	}{
		{"250ms", 250 * time.Millisecond, ""},
		{"1m30s", 90 * time.Second, ""},
		{"0", 0, ""},
		{"'0s'", 0, ""},
		{"10", 0, `server.drain_delay: invalid duration 10: a duration needs a unit, e.g. "10s"`},
		{"ten", 0, `server.drain_delay: invalid duration "ten": want a number with a unit, e.g. "10s" or "250ms"`},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			cfg, err := loadYAML(t, "server: {drain_delay: "+tt.value+"}\n")
			if tt.wantErr != "" {
				if got := errLines(err); len(got) != 1 || got[0] != tt.wantErr {
					t.Fatalf("got error %q, want %q", got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Server.DrainDelay != tt.want {
				t.Errorf("got %v, want %v", cfg.Server.DrainDelay, tt.want)
			}
		})
	}
}

func TestLoadReportsEveryDecodeProblem(t *testing.T) {
	t.Parallel()
	_, err := loadYAML(t, `
server: {max_body_bytes: lots, idle_timeout: 5}
backends:
  - {name: a, kind: oip, url: "http://a", max_concurrency: many, typo: 1}
models:
  - {name: m, timeout: soon, targets: [{backend: a, outputs: {x: 1}}]}
`)
	want := []string{
		`backends[0].max_concurrency: cannot parse value as 'int': strconv.ParseInt: invalid syntax`,
		`backends[0].typo: unknown key`,
		`models[0].targets[0].outputs[0]: expected type 'string', got unconvertible type 'map[string]interface {}'`,
		`models[0].timeout: invalid duration "soon": want a number with a unit, e.g. "10s" or "250ms"`,
		`server.idle_timeout: invalid duration 5: a duration needs a unit, e.g. "5s"`,
		`server.max_body_bytes: invalid byte size "lots": want a non-negative integer with an optional unit, e.g. "16MiB"`,
	}
	got := errLines(err)
	if diff := cmp.Diff(want, sorted(got)); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadFileErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := Load(LoadOptions{Path: missing}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want an error naming %s", err, missing)
	}
	_, err := loadYAML(t, "server: [unclosed\n")
	if err == nil || !strings.Contains(err.Error(), "yaml") {
		t.Errorf("bad YAML: got %v, want a YAML error", err)
	}
}
