// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTritonClient drives the gateway with Triton's own HTTP client
// (tritonclient.http, in integration/clients/triton_iris.py) on every iris
// route that takes one [3,4] input: an unmodified Triton client must work
// against any backend behind modelgate. With the client's defaults the
// input travels as binary tensor data and the output comes back in binary
// (PROTOCOLS.md §6.4); the script also asks for server metadata,
// liveness, readiness and the model's metadata.
func TestTritonClient(t *testing.T) {
	py := os.Getenv("TRITONCLIENT_PYTHON")
	if py == "" {
		t.Fatal("TRITONCLIENT_PYTHON is not set; run the suite with scripts/integration (compose/native/clients makes the venv)")
	}
	e, g := startFunctional(t)
	script := filepath.Join(e.Repo, "integration", "clients", "triton_iris.py")
	host := strings.TrimPrefix(g.URL, "http://")
	for _, rt := range irisRoutes() {
		if rt.columns {
			continue
		}
		t.Run(rt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), py, script, host, rt.name, rt.input, rt.output)
			out, err := cmd.Output()
			if err != nil {
				var stderr []byte
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = ee.Stderr
				}
				t.Fatalf("triton_iris.py %s: %v\n%s", rt.name, err, stderr)
			}
			var got struct {
				Server struct {
					Name       string   `json:"name"`
					Extensions []string `json:"extensions"`
				} `json:"server"`
				Live       bool `json:"live"`
				Ready      bool `json:"ready"`
				ModelReady bool `json:"model_ready"`
				Metadata   struct {
					Name        string `json:"name"`
					ErrorStatus string `json:"error_status"`
				} `json:"metadata"`
				Classes      []int64 `json:"classes"`
				ClassesDtype string  `json:"classes_dtype"`
				Response     struct {
					ID      string `json:"id"`
					Outputs []struct {
						Name       string         `json:"name"`
						Parameters map[string]any `json:"parameters"`
					} `json:"outputs"`
				} `json:"response"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("triton_iris.py printed %s: %v", out, err)
			}
			if got.Server.Name != "modelgate" || !slices.Contains(got.Server.Extensions, "binary_tensor_data") {
				t.Errorf("server metadata: %+v, want modelgate with binary_tensor_data", got.Server)
			}
			if !got.Live || !got.Ready || !got.ModelReady {
				t.Errorf("live %v, ready %v, model ready %v: want all true", got.Live, got.Ready, got.ModelReady)
			}
			switch {
			case got.Metadata.ErrorStatus != "":
				// Not every backend publishes a signature (TestMetadata
				// checks which); the client must still infer.
				t.Logf("model metadata: the client raised status %s", got.Metadata.ErrorStatus)
			case got.Metadata.Name != rt.name:
				t.Errorf("model metadata name: got %q, want %q", got.Metadata.Name, rt.name)
			}
			if !slices.Equal(got.Classes, irisClasses()) || got.ClassesDtype != "int64" {
				t.Errorf("classes: got %v (%s), want %v (int64)", got.Classes, got.ClassesDtype, irisClasses())
			}
			if got.Response.ID != "triton-1" {
				t.Errorf("response id: got %q, want triton-1", got.Response.ID)
			}
			for _, o := range got.Response.Outputs {
				if _, ok := o.Parameters["binary_data_size"]; !ok {
					t.Errorf("output %s came back without binary_data_size: %v", o.Name, o.Parameters)
				}
			}
		})
	}
}
