// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestMain starts each run with an empty figures file.
func TestMain(m *testing.M) {
	_ = os.Remove(figuresPath())
	os.Exit(m.Run())
}

// figuresPath is where measured figures are collected:
// <run dir>/logs/integration-figures.txt (the run dir of compose/native,
// MODELGATE_RUN_DIR or <repo>/.run).
func figuresPath() string {
	dir := os.Getenv("MODELGATE_RUN_DIR")
	if dir == "" {
		dir = filepath.Join("..", ".run")
	}
	return filepath.Join(dir, "logs", "integration-figures.txt")
}

// figure logs a measured figure as "FIGURE <text>" and appends it, with
// the test's name, to the figures file, so a run without -v still leaves
// them behind for the release notes.
func figure(t *testing.T, format string, args ...any) {
	t.Helper()
	line := "FIGURE " + fmt.Sprintf(format, args...)
	t.Log(line)
	if err := os.MkdirAll(filepath.Dir(figuresPath()), 0o755); err != nil {
		t.Errorf("figures file: %v", err)
		return
	}
	f, err := os.OpenFile(figuresPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Errorf("figures file: %v", err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%s %s\n", t.Name(), line); err != nil {
		t.Errorf("figures file: %v", err)
	}
}
