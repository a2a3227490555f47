// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"strings"
	"testing"
	"text/template"
)

// functionalConfig routes the iris model to every backend, in every
// request layout the adapters offer, plus the TF emulator's half_plus_two
// with its versions and labels. Backend names are what 503 messages and
// X-Modelgate-Backend report.
const functionalConfig = `
server:
  shutdown_timeout: 5s
  default_timeout: 20s
backends:
  - {name: mlflow, kind: mlflow, url: "http://127.0.0.1:{{.MLflow}}"}
  - {name: kserve, kind: oip, url: "http://127.0.0.1:{{.KServe}}"}
  # The tfserving adapter against KServe's V1 protocol (TF Serving's predict
  # dialect; KServe V1 has no /metadata and no versions).
  - {name: kserve-v1, kind: tfserving, url: "http://127.0.0.1:{{.KServe}}"}
  - {name: bentoml, kind: bentoml, url: "http://127.0.0.1:{{.BentoML}}"}
  - name: torchserve
    kind: torchserve
    url: "http://127.0.0.1:{{.TorchServe}}"
    torchserve: {management_url: "http://127.0.0.1:{{.TorchServeMgmt}}"}
  # The TF Serving REST EMULATOR (compose/native/tfserving_emulator.py).
  - {name: tfserving, kind: tfserving, url: "http://127.0.0.1:{{.TFServing}}"}
models:
  - name: iris-mlflow
    targets:
      - backend: mlflow
        outputs: [label]
        mlflow: {format: dataframe_split, mlmodel_path: "{{.MLmodel}}"}
  - name: iris-mlflow-inputs
    targets:
      - backend: mlflow
        outputs: [label]
        mlflow: {format: inputs}
  - name: iris-kserve
    targets: [{backend: kserve, model: iris}]
  - name: iris-kserve-v1
    targets:
      - {backend: kserve-v1, model: iris, tfserving: {format: row}}
  - name: iris-bentoml
    targets:
      - {backend: bentoml, outputs: [label], bentoml: {api: predict}}
  - name: iris-bentoml-proba
    targets:
      - {backend: bentoml, outputs: [probabilities], bentoml: {api: predict_proba}}
  - name: iris-torchserve
    targets:
      - {backend: torchserve, model: iris, outputs: [label], torchserve: {envelope: instances}}
  - name: iris-tfserving
    targets: [{backend: tfserving, model: iris}]
  - name: iris-tfserving-row
    targets:
      - {backend: tfserving, model: iris, tfserving: {format: row}}
  - name: half_plus_two
    targets: [{backend: tfserving, outputs: [y]}]
  - name: half_plus_two-stable
    targets:
      - {backend: tfserving, model: half_plus_two, outputs: [y], tfserving: {label: stable}}
  - name: half_plus_two-canary
    targets:
      - {backend: tfserving, model: half_plus_two, outputs: [y], tfserving: {label: canary}}
  - name: iris
    timeout: 10s
    targets:
      - {backend: kserve, model: iris}
      - backend: mlflow
        outputs: [output-0]
        mlflow: {format: dataframe_split, mlmodel_path: "{{.MLmodel}}"}
`

// render fills a config template from the env (ports, MLmodel) and the
// extra values given.
func render(t *testing.T, e *liveEnv, text string, extra map[string]any) string {
	t.Helper()
	tpl, err := template.New("config").Option("missingkey=error").Parse(text)
	if err != nil {
		t.Fatalf("config template: %v", err)
	}
	data := map[string]any{
		"MLflow": e.MLflow, "KServe": e.KServe, "BentoML": e.BentoML,
		"TorchServe": e.TorchServe, "TorchServeMgmt": e.TorchServeMgmt,
		"TFServing": e.TFServing, "MLmodel": e.MLmodel(),
	}
	for k, v := range extra {
		data[k] = v
	}
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		t.Fatalf("config template: %v", err)
	}
	return b.String()
}

// startFunctional starts a gateway with functionalConfig after checking
// that every backend is ready.
func startFunctional(t *testing.T) (*liveEnv, *gatewayProc) {
	t.Helper()
	e := mustEnv(t)
	e.requireBackends(t, "mlflow", "kserve", "bentoml", "torchserve", "tfserving")
	return e, startGateway(t, e, render(t, e, functionalConfig, nil))
}
