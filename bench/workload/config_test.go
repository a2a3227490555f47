// SPDX-License-Identifier: Apache-2.0

package workload_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/bench/workload"
	"github.com/modelgate/modelgate/config"
)

// TestBenchConfig checks bench/modelgate.yaml is a valid configuration that
// routes every model the scenarios call, with the MLflow columns the
// dataframe body of the peers assumes, and env overrides for both backend
// URLs as bench/run sets them.
func TestBenchConfig(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.LoadOptions{
		Path: "../modelgate.yaml",
		Environ: func() []string {
			return []string{"MODELGATE_BACKENDS__0__URL=http://127.0.0.1:29100", "MODELGATE_BACKENDS__1__URL=http://127.0.0.1:29100"}
		},
	})
	if err != nil {
		t.Fatalf("config.Load: got %v, want nil", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: got %v, want nil", err)
	}
	for i, b := range cfg.Backends {
		if b.URL != "http://127.0.0.1:29100" {
			t.Errorf("backends[%d].url: got %q, want the env override", i, b.URL)
		}
	}
	var names []string
	for _, m := range cfg.Models {
		names = append(names, m.Name)
	}
	for _, want := range []string{workload.SmallModel, workload.BigModel, workload.MLflowModel} {
		if !slices.Contains(names, want) {
			t.Errorf("models: got %q, want one named %q", names, want)
		}
	}
	for _, m := range cfg.Models {
		if m.Name != workload.MLflowModel {
			continue
		}
		mf := m.Targets[0].MLflow
		if mf == nil {
			t.Fatalf("models %q: got no mlflow block, want columns", m.Name)
		}
		if diff := cmp.Diff(workload.Columns(), mf.Columns); diff != "" {
			t.Errorf("mlflow columns (-want +got):\n%s", diff)
		}
	}
}
