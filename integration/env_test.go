// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// liveEnv is where the composed backends listen and where the gateway
// binary is, read from the environment scripts/integration exports.
type liveEnv struct {
	// Bin is the modelgate binary (MODELGATE_BIN).
	Bin string
	// Repo is the repository root (the parent of integration/).
	Repo string
	// RunDir is compose/native's run directory (MODELGATE_RUN_DIR,
	// default <repo>/.run): models, logs, pid files.
	RunDir string
	// Ports of the backends (compose/native/ports.env).
	MLflow, BentoML, TorchServe, TorchServeMgmt, TorchServeMetrics, KServe, TFServing string
}

// mustEnv reads the environment and fails the test, naming every missing
// variable, when it is incomplete. Nothing is skipped silently.
func mustEnv(t *testing.T) *liveEnv {
	t.Helper()
	var missing []string
	get := func(k string) string {
		v := os.Getenv(k)
		if v == "" {
			missing = append(missing, k)
		}
		return v
	}
	e := &liveEnv{
		Bin:               get("MODELGATE_BIN"),
		MLflow:            get("MLFLOW_PORT"),
		BentoML:           get("BENTOML_PORT"),
		TorchServe:        get("TORCHSERVE_PORT"),
		TorchServeMgmt:    get("TORCHSERVE_MGMT_PORT"),
		TorchServeMetrics: get("TORCHSERVE_METRICS_PORT"),
		KServe:            get("KSERVE_PORT"),
		TFServing:         get("TFSERVING_PORT"),
	}
	if len(missing) > 0 {
		t.Fatalf("integration env incomplete: %s not set; run the suite with scripts/integration "+
			"(it starts compose/native, exports compose/native/ports.env and MODELGATE_BIN)",
			strings.Join(missing, ", "))
	}
	if st, err := os.Stat(e.Bin); err != nil || st.IsDir() {
		t.Fatalf("MODELGATE_BIN=%s is not a file (%v); run `make build` first", e.Bin, err)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatalf("repository root: %v", err)
	}
	e.Repo = repo
	e.RunDir = os.Getenv("MODELGATE_RUN_DIR")
	if e.RunDir == "" {
		e.RunDir = filepath.Join(repo, ".run")
	}
	return e
}

// local is http://127.0.0.1:port followed by path.
func local(port, path string) string { return "http://127.0.0.1:" + port + path }

// MLmodel is the path of the MLflow model's MLmodel file.
func (e *liveEnv) MLmodel() string {
	return filepath.Join(e.RunDir, "models", "mlflow-iris", "MLmodel")
}

// backendProbe is the request whose 200 means a backend is ready, as
// compose/native/up probes it; an unknown name gives an empty URL, which
// is never ready.
func (e *liveEnv) backendProbe(name string) (method, url, body string) {
	switch name {
	case "mlflow":
		return http.MethodGet, local(e.MLflow, "/ping"), ""
	case "kserve":
		return http.MethodGet, local(e.KServe, "/v2/models/iris/ready"), ""
	case "bentoml":
		return http.MethodGet, local(e.BentoML, "/readyz"), ""
	case "torchserve":
		return http.MethodPost, local(e.TorchServe, "/predictions/iris"), `{"instances": [[5.1, 3.5, 1.4, 0.2]]}`
	case "tfserving":
		return http.MethodGet, local(e.TFServing, "/v1/models/iris"), ""
	}
	return "", "", ""
}

// backendReady reports whether the backend answers its readiness probe.
func (e *liveEnv) backendReady(ctx context.Context, name string) bool {
	method, url, body := e.backendProbe(name)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return false
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// requireBackends fails the test unless every named backend is ready, with
// a message saying how to start them.
func (e *liveEnv) requireBackends(t *testing.T, names ...string) {
	t.Helper()
	var down []string
	for _, n := range names {
		if !e.backendReady(t.Context(), n) {
			_, url, _ := e.backendProbe(n)
			down = append(down, fmt.Sprintf("%s (%s)", n, url))
		}
	}
	if len(down) > 0 {
		t.Fatalf("backends not ready: %s; start them with compose/native/up (scripts/integration does)",
			strings.Join(down, ", "))
	}
}

// native runs compose/native/<cmd> <backend> and fails the test with its
// output when it fails. up waits for readiness itself.
func (e *liveEnv) native(t *testing.T, cmd, backend string) time.Duration {
	t.Helper()
	d, err := e.runNative(cmd, backend)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// runNative runs compose/native/<cmd> <backend> (bounded to 4 minutes) and
// returns how long it took. Safe to call from any goroutine.
func (e *liveEnv) runNative(cmd, backend string) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, filepath.Join(e.Repo, "compose", "native", cmd), backend)
	c.Dir = e.Repo
	out, err := c.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("compose/native/%s %s: %v\n%s", cmd, backend, err, out)
	}
	return time.Since(start), nil
}

// restartOnCleanup brings backend up again when the test ends, whatever
// happened, and fails the test if it does not come back.
func (e *liveEnv) restartOnCleanup(t *testing.T, backend string) {
	t.Helper()
	t.Cleanup(func() {
		if e.backendReady(context.Background(), backend) {
			return
		}
		d := e.native(t, "up", backend)
		figure(t, "%s_restart_ms=%d", backend, d.Milliseconds())
	})
}

// kill SIGKILLs a backend's whole process group (compose/native/up starts
// each backend in a session of its own and records the leader in
// .run/pids), after checking that the leader still carries compose/native's
// marker. This is a crash, not a graceful stop; compose/native/up restarts
// the backend (it replaces a dead pid file). Safe to call from any
// goroutine.
func (e *liveEnv) kill(backend string) error {
	pidFile := filepath.Join(e.RunDir, "pids", backend+".pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return fmt.Errorf("kill %s: %w", backend, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("kill %s: bad pid file %s: %q", backend, pidFile, b)
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	marker := "MODELGATE_NATIVE_ID=" + e.RunDir + ":" + backend
	if err != nil || !slices.Contains(strings.Split(string(env), "\x00"), marker) {
		return fmt.Errorf("kill %s: pid %d does not carry %s (%v); not signalling it", backend, pid, marker, err)
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: SIGKILL process group %d: %w", backend, pid, err)
	}
	return nil
}
