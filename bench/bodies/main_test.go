// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/bench/workload"
)

// TestRunWritesEveryScenario checks each scenario gets its two bodies and a
// scenarios.tsv line bench/run can read.
func TestRunWritesEveryScenario(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := run([]string{"-dir", dir}); err != nil {
		t.Fatalf("run: got %v, want nil", err)
	}
	tsv, err := os.ReadFile(filepath.Join(dir, "scenarios.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(tsv)), "\n")
	scenarios := workload.Scenarios()
	if len(lines) != len(scenarios) {
		t.Fatalf("scenarios.tsv: got %d lines, want %d", len(lines), len(scenarios))
	}
	for i, s := range scenarios {
		if f := strings.Split(lines[i], "\t"); len(f) != 5 || f[0] != s.Name || f[2] != s.PeerPath || f[3] != s.GatewayPath {
			t.Errorf("line %d: got %q, want name, big, %s, %s, title", i, lines[i], s.PeerPath, s.GatewayPath)
		}
		for suffix, want := range map[string][]byte{"peer": s.PeerBody, "gateway": s.GatewayBody} {
			got, err := os.ReadFile(filepath.Join(dir, s.Name+"."+suffix+".json"))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s.%s.json: got %d bytes (err %v), want the scenario's %d", s.Name, suffix, len(got), err, len(want))
			}
		}
	}
}

// TestRunNeedsDir checks the missing flag is reported.
func TestRunNeedsDir(t *testing.T) {
	t.Parallel()
	if err := run(nil); err == nil || !strings.Contains(err.Error(), "-dir") {
		t.Errorf("run without -dir: got %v, want an error naming -dir", err)
	}
}
