// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"encoding/json"
	"slices"
	"testing"
)

// v1Bodies are TF Serving REST v1 predict bodies carrying irisSamples: row
// ("instances") and columnar ("inputs"). For MLflow's four-column
// signature the rows are objects keyed by column and the columns a map.
func v1Bodies(columns bool) map[string]string {
	rows := irisSamples()
	if !columns {
		r, _ := json.Marshal(map[string]any{"instances": rows})
		c, _ := json.Marshal(map[string]any{"inputs": rows})
		return map[string]string{"row": string(r), "columnar": string(c)}
	}
	var objs []map[string]float64
	cols := map[string][]float64{}
	for _, row := range rows {
		o := map[string]float64{}
		for j, name := range irisColumns() {
			o[name] = row[j]
			cols[name] = append(cols[name], row[j])
		}
		objs = append(objs, o)
	}
	r, _ := json.Marshal(map[string]any{"instances": objs})
	c, _ := json.Marshal(map[string]any{"inputs": cols})
	return map[string]string{"row": string(r), "columnar": string(c)}
}

// TestPredictV1 sends the three samples as TF Serving REST v1 predict
// requests, row and columnar, to every iris route and checks the exact
// classes (and the emulator's probabilities) in the v1 answer.
func TestPredictV1(t *testing.T) {
	e, g := startFunctional(t)
	want := expectedProbabilities(t, e)
	c := testClient()
	for _, rt := range irisRoutes() {
		for format, body := range v1Bodies(rt.columns || rt.backend == "mlflow") {
			t.Run(rt.name+"/"+format, func(t *testing.T) {
				t.Parallel()
				r := call(t, c, "POST", g.URL+"/v1/models/"+rt.name+":predict", body)
				mustStatus(t, "v1 predict", r, 200)
				if got := r.Header.Get("X-Modelgate-Backend"); got != rt.backend {
					t.Errorf("X-Modelgate-Backend: got %q, want %q", got, rt.backend)
				}
				if rt.proba == "" {
					checkV1Classes(t, r, format)
					return
				}
				checkV1TwoOutputs(t, r, format, rt, want)
			})
		}
	}
}

// checkV1Classes asserts {"predictions": [0,1,2]} (row) or
// {"outputs": [0,1,2]} (columnar).
func checkV1Classes(t *testing.T, r *reply, format string) {
	t.Helper()
	var resp map[string]json.RawMessage
	decode(t, r, &resp)
	key := map[string]string{"row": "predictions", "columnar": "outputs"}[format]
	raw, ok := resp[key]
	if !ok || len(resp) != 1 {
		t.Fatalf("got %s, want only a %q key", r.Body, key)
	}
	if got := ints(t, raw); !slices.Equal(got, irisClasses()) {
		t.Errorf("%s: got %v, want %v", key, got, irisClasses())
	}
}

// checkV1TwoOutputs asserts the emulator's two outputs: row answers are
// one object per instance, columnar answers one key per output.
func checkV1TwoOutputs(t *testing.T, r *reply, format string, rt irisRoute, want [][]float64) {
	t.Helper()
	var classes []int64
	var probs []float64
	if format == "row" {
		var resp struct {
			Predictions []map[string]json.RawMessage `json:"predictions"`
		}
		decode(t, r, &resp)
		for _, p := range resp.Predictions {
			classes = append(classes, ints(t, p[rt.output])...)
			probs = append(probs, floats(t, p[rt.proba])...)
		}
	} else {
		var resp struct {
			Outputs map[string]json.RawMessage `json:"outputs"`
		}
		decode(t, r, &resp)
		classes = ints(t, resp.Outputs[rt.output])
		probs = floats(t, resp.Outputs[rt.proba])
	}
	if !slices.Equal(classes, irisClasses()) {
		t.Errorf("%s: got %v, want %v (body %s)", rt.output, classes, irisClasses(), r.Body)
	}
	d, err := maxDiff(probs, slices.Concat(want...))
	if err != nil || d > probTolerance {
		t.Errorf("%s: got %v, want %v within %g (%v)", rt.proba, probs, want, probTolerance, err)
	}
}

// TestVersionsAndLabels checks TF emulator versions through the gateway:
// half_plus_two v1 is y = 0.5x+2 and v2 (latest, label canary) y = 0.5x+3.
// Versions come from the client's path; labels from the route's target
// (tfserving.label), since the gateway serves no labels itself.
func TestVersionsAndLabels(t *testing.T) {
	_, g := startFunctional(t)
	c := testClient()
	v1 := []float64{2.5, 3, 4.5}
	v2 := []float64{3.5, 4, 5.5}
	cases := []struct {
		name, path string
		want       []float64
	}{
		{"latest", "/v1/models/half_plus_two:predict", v2},
		{"version 1", "/v1/models/half_plus_two/versions/1:predict", v1},
		{"version 2", "/v1/models/half_plus_two/versions/2:predict", v2},
		{"label stable", "/v1/models/half_plus_two-stable:predict", v1},
		{"label canary", "/v1/models/half_plus_two-canary:predict", v2},
		{"v2 protocol version 1", "/v2/models/half_plus_two/versions/1/infer", v1},
		{"v2 protocol latest", "/v2/models/half_plus_two/infer", v2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"instances": [1.0, 2.0, 5.0]}`
			if tc.path[:3] == "/v2" {
				body = `{"inputs": [{"name": "x", "datatype": "FP32", "shape": [3], "data": [1, 2, 5]}]}`
			}
			r := call(t, c, "POST", g.URL+tc.path, body)
			mustStatus(t, tc.path, r, 200)
			var got []float64
			if tc.path[:3] == "/v2" {
				var resp v2Response
				decode(t, r, &resp)
				// Named by the target's outputs: [y]. The datatype is FP32 once
				// the signature is cached, JSON's FP64 before (tfserving docs).
				got = floats(t, resp.output(t, "y").Data)
			} else {
				var resp struct {
					Predictions json.RawMessage `json:"predictions"`
				}
				decode(t, r, &resp)
				got = floats(t, resp.Predictions)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}
