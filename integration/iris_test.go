// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// irisSamples are three iris rows, one per class; irisClasses are the
// classes scikit-learn's LogisticRegression(max_iter=1000, random_state=0)
// predicts for them (TestKnownAnswers checks both against the model's
// exported expected.json).
func irisSamples() [][]float64 {
	return [][]float64{{5.1, 3.5, 1.4, 0.2}, {6.2, 2.9, 4.3, 1.3}, {7.7, 3.0, 6.1, 2.3}}
}

func irisClasses() []int64 { return []int64{0, 1, 2} }

// irisColumns are the MLflow model's dataframe columns.
func irisColumns() []string {
	return []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}
}

// probTolerance is the largest difference allowed between class
// probabilities of different backends (the emulator answers in float32).
const probTolerance = 1e-6

// expectedProbabilities reads scikit-learn's predict_proba for irisSamples
// from .run/models/iris/expected.json (written by compose/models/
// make_models.py) and checks that its classes are irisClasses.
func expectedProbabilities(t *testing.T, e *liveEnv) [][]float64 {
	t.Helper()
	path := filepath.Join(e.RunDir, "models", "iris", "expected.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the model's known answers: %v (compose/native/up writes it)", err)
	}
	var exp struct {
		Inputs        [][]float64 `json:"inputs"`
		Classes       []int64     `json:"classes"`
		Probabilities [][]float64 `json:"probabilities"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var probs [][]float64
	for i, s := range irisSamples() {
		j := slices.IndexFunc(exp.Inputs, func(r []float64) bool { return slices.Equal(r, s) })
		if j < 0 {
			t.Fatalf("%s: sample %v not among the iris rows", path, s)
		}
		if got, want := exp.Classes[j], irisClasses()[i]; got != want {
			t.Fatalf("%s: sklearn predicts class %d for %v, want %d", path, got, s, want)
		}
		probs = append(probs, exp.Probabilities[j])
	}
	return probs
}

// TestKnownAnswers checks the hard-coded answers against the model itself.
func TestKnownAnswers(t *testing.T) {
	e := mustEnv(t)
	probs := expectedProbabilities(t, e)
	for i, p := range probs {
		t.Logf("sample %v: class %d, probabilities %v", irisSamples()[i], irisClasses()[i], p)
	}
}

// v2Body is an OIP v2 request with one [3,4] input of dtype; nested data
// for FP32, flat for FP64, so both layouts are exercised.
func v2Body(input, dtype string) string {
	rows := irisSamples()
	var data any = rows
	if dtype == "FP64" {
		data = slices.Concat(rows...)
	}
	b, _ := json.Marshal(map[string]any{
		"id": "it-" + strings.ToLower(dtype),
		"inputs": []map[string]any{{
			"name": input, "datatype": dtype, "shape": []int{len(rows), 4}, "data": data,
		}},
	})
	return string(b)
}

// v2ColumnsBody is an OIP v2 request with one [3] FP64 input per MLflow
// column.
func v2ColumnsBody() string {
	var inputs []map[string]any
	for j, c := range irisColumns() {
		col := make([]float64, 0, 3)
		for _, r := range irisSamples() {
			col = append(col, r[j])
		}
		inputs = append(inputs, map[string]any{"name": c, "datatype": "FP64", "shape": []int{3}, "data": col})
	}
	b, _ := json.Marshal(map[string]any{"inputs": inputs})
	return string(b)
}

// irisRoute is one iris route of functionalConfig as the tests call it.
type irisRoute struct {
	name    string
	backend string // X-Modelgate-Backend of a success
	input   string // v2 input name the backend's signature wants
	columns bool   // MLflow: one input per column instead of one [3,4] input
	output  string // name of the class output
	proba   string // name of the probability output, if any
}

func irisRoutes() []irisRoute {
	return []irisRoute{
		{name: "iris-mlflow", backend: "mlflow", input: "features", output: "label"},
		{name: "iris-mlflow-inputs", backend: "mlflow", columns: true, output: "label"},
		{name: "iris-kserve", backend: "kserve", input: "input-0", output: "output-0"},
		{name: "iris-kserve-v1", backend: "kserve-v1", input: "input-0", output: "output-0"},
		{name: "iris-bentoml", backend: "bentoml", input: "features", output: "label"},
		{name: "iris-torchserve", backend: "torchserve", input: "input-0", output: "label"},
		{name: "iris-tfserving", backend: "tfserving", input: "features", output: "classes", proba: "probabilities"},
		{name: "iris-tfserving-row", backend: "tfserving", input: "features", output: "classes", proba: "probabilities"},
		{name: "iris", backend: "kserve", input: "input-0", output: "output-0"},
	}
}

// TestPredictV2 sends the three samples as an OIP v2 request (FP32 nested
// and FP64 flat) to every iris route and checks the exact classes, and
// the probabilities where the backend returns them.
func TestPredictV2(t *testing.T) {
	e, g := startFunctional(t)
	want := expectedProbabilities(t, e)
	c := testClient()
	for _, rt := range irisRoutes() {
		dtypes := []string{"FP32", "FP64"}
		if rt.columns {
			dtypes = []string{"FP64"} // the columns body is FP64 only
		}
		for _, dtype := range dtypes {
			t.Run(rt.name+"/"+dtype, func(t *testing.T) {
				t.Parallel()
				body := v2Body(rt.input, dtype)
				if rt.columns {
					body = v2ColumnsBody()
				}
				r := call(t, c, "POST", g.URL+"/v2/models/"+rt.name+"/infer", body)
				mustStatus(t, "infer", r, 200)
				if got := r.Header.Get("X-Modelgate-Backend"); got != rt.backend {
					t.Errorf("X-Modelgate-Backend: got %q, want %q", got, rt.backend)
				}
				var resp v2Response
				decode(t, r, &resp)
				if resp.ModelName != rt.name {
					t.Errorf("model_name: got %q, want %q", resp.ModelName, rt.name)
				}
				checkClasses(t, resp.output(t, rt.output))
				if rt.proba != "" {
					checkProbabilities(t, rt.name, resp.output(t, rt.proba), want)
				}
			})
		}
	}
}

// checkClasses asserts an INT64 [3] class output equal to irisClasses.
func checkClasses(t *testing.T, out *v2Tensor) {
	t.Helper()
	if got := ints(t, out.Data); !slices.Equal(got, irisClasses()) {
		t.Errorf("classes: got %v, want %v", got, irisClasses())
	}
	if out.Datatype != "INT64" || !slices.Equal(out.Shape, []int64{3}) {
		t.Errorf("class output: got %s %v, want INT64 [3]", out.Datatype, out.Shape)
	}
}

// checkProbabilities asserts a [3,3] probability output within
// probTolerance of want, and logs the largest difference.
func checkProbabilities(t *testing.T, what string, out *v2Tensor, want [][]float64) {
	t.Helper()
	if !slices.Equal(out.Shape, []int64{3, 3}) {
		t.Errorf("probabilities: got shape %v, want [3 3]", out.Shape)
	}
	got := floats(t, out.Data)
	d, err := maxDiff(got, slices.Concat(want...))
	if err != nil {
		t.Fatalf("probabilities: %v", err)
	}
	if d > probTolerance {
		t.Errorf("probabilities of %s: got %v, want %v (max difference %.3g > %g)", what, got, want, d, probTolerance)
	}
	figure(t, "proba_maxdiff_%s=%.3g", strings.ReplaceAll(what, "-", "_"), d)
}

// maxDiff is the largest absolute difference of two equally long vectors.
func maxDiff(a, b []float64) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("got %d values, want %d", len(a), len(b))
	}
	var d float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d, nil
}

// TestProbabilitiesAgree compares the class probabilities of BentoML's
// predict_proba and of the TF emulator with each other through the
// gateway (both are also checked against scikit-learn in TestPredictV2 and
// here).
func TestProbabilitiesAgree(t *testing.T) {
	e, g := startFunctional(t)
	want := expectedProbabilities(t, e)
	c := testClient()
	r := call(t, c, "POST", g.URL+"/v2/models/iris-bentoml-proba/infer", v2Body("features", "FP64"))
	mustStatus(t, "bentoml predict_proba", r, 200)
	var bento v2Response
	decode(t, r, &bento)
	checkProbabilities(t, "iris-bentoml-proba", bento.output(t, "probabilities"), want)
	r = call(t, c, "POST", g.URL+"/v2/models/iris-tfserving/infer", v2Body("features", "FP32"))
	mustStatus(t, "tfserving", r, 200)
	var tf v2Response
	decode(t, r, &tf)
	d, err := maxDiff(floats(t, bento.output(t, "probabilities").Data), floats(t, tf.output(t, "probabilities").Data))
	if err != nil {
		t.Fatal(err)
	}
	if d > probTolerance {
		t.Errorf("bentoml vs tfserving emulator probabilities: max difference %.3g > %g", d, probTolerance)
	}
	figure(t, "proba_maxdiff_bentoml_vs_tfserving=%.3g", d)
}
