// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/config"
)

// TestExampleConfig validates examples/modelgate.yaml with the binary,
// serves it (ports overridden through MODELGATE_* variables when the
// environment's differ from compose/native's defaults) and sends one
// request to each of its models.
func TestExampleConfig(t *testing.T) {
	e := mustEnv(t)
	e.requireBackends(t, "mlflow", "kserve", "bentoml", "torchserve", "tfserving")
	path := filepath.Join(e.Repo, "examples", "modelgate.yaml")
	validate := exec.Command(e.Bin, "validate", "--config", path)
	validate.Env = gatewayEnv() // MODELGATE_BIN would be read as a config key
	out, err := validate.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("modelgate validate --config examples/modelgate.yaml: %v\n%s", err, out)
	}
	cfg, err := config.Load(config.LoadOptions{Path: path, Environ: func() []string { return nil }})
	if err != nil {
		t.Fatalf("loading the example: %v", err)
	}
	g := startGatewayFile(t, e, path, exampleOverrides(t, e, cfg))
	c := testClient()
	for _, m := range cfg.Models {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			mustStatus(t, "ready", call(t, c, "GET", g.URL+"/v2/models/"+m.Name+"/ready", ""), 200)
			input, iris := exampleInput(t, cfg, m)
			body := `{"inputs": [{"name": "x", "datatype": "FP32", "shape": [3], "data": [1, 2, 5]}]}`
			if iris {
				body = v2Body(input, "FP32")
			}
			r := call(t, c, "POST", g.URL+"/v2/models/"+m.Name+"/infer", body)
			mustStatus(t, "infer", r, 200)
			var resp v2Response
			decode(t, r, &resp)
			if !iris {
				resp.output(t, "y")
				return
			}
			for i := range resp.Outputs {
				if resp.Outputs[i].Datatype == "INT64" {
					checkClasses(t, &resp.Outputs[i])
					return
				}
			}
			t.Errorf("no INT64 class output in %s", r.Body)
		})
	}
}

// exampleInput is the input name the model's first target wants, and
// whether the model is an iris model (else half_plus_two).
func exampleInput(t *testing.T, cfg *config.Config, m config.Route) (string, bool) {
	t.Helper()
	tg := m.Targets[0]
	if strings.HasPrefix(tg.Model, "half_plus_two") {
		return "x", false
	}
	switch cfg.Backend(tg.Backend).Kind {
	case config.KindOIP, config.KindTorchServe:
		return "input-0", true
	case config.KindTFServing, config.KindMLflow, config.KindBentoML:
		return "features", true
	}
	t.Fatalf("example model %s: unexpected kind %s", m.Name, cfg.Backend(tg.Backend).Kind)
	return "", false
}

// exampleOverrides maps the example's compose/native default ports onto
// the environment's, and its relative MLmodel paths onto the run
// directory, as MODELGATE_* variables.
func exampleOverrides(t *testing.T, e *liveEnv, cfg *config.Config) []string {
	t.Helper()
	ports := map[string]string{
		"15001": e.MLflow, "18090": e.KServe, "13000": e.BentoML,
		"18080": e.TorchServe, "18081": e.TorchServeMgmt, "18501": e.TFServing,
	}
	move := func(key, raw string) string {
		u, err := url.Parse(raw)
		p, ok := ports[u.Port()]
		if err != nil || !ok {
			t.Fatalf("example %s %q is not on a compose/native default port", key, raw)
		}
		if p == u.Port() {
			return ""
		}
		u.Host = u.Hostname() + ":" + p
		return key + "=" + u.String()
	}
	var env []string
	add := func(kv string) {
		if kv != "" {
			env = append(env, kv)
		}
	}
	for i, b := range cfg.Backends {
		add(move(fmt.Sprintf("MODELGATE_BACKENDS__%d__URL", i), b.URL))
		if b.TorchServe != nil && b.TorchServe.ManagementURL != "" {
			add(move(fmt.Sprintf("MODELGATE_BACKENDS__%d__TORCHSERVE__MANAGEMENT_URL", i), b.TorchServe.ManagementURL))
		}
	}
	for i, m := range cfg.Models {
		for j, tg := range m.Targets {
			if tg.MLflow != nil && tg.MLflow.MLmodelPath != "" && !filepath.IsAbs(tg.MLflow.MLmodelPath) {
				env = append(env, fmt.Sprintf("MODELGATE_MODELS__%d__TARGETS__%d__MLFLOW__MLMODEL_PATH=%s", i, j, e.MLmodel()))
			}
		}
	}
	return env
}
