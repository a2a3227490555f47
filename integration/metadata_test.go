// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tensorMeta is one OIP v2 metadata tensor.
type tensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

// modelMeta is the OIP v2 model metadata the tests compare.
type modelMeta struct {
	Name    string       `json:"name"`
	Inputs  []tensorMeta `json:"inputs"`
	Outputs []tensorMeta `json:"outputs"`
}

// TestMetadata checks GET /v2/models/{route} for each backend kind: the
// signature where the backend publishes one (TF emulator /metadata, KServe
// OIP metadata, MLflow's MLmodel file, BentoML's schema), 501 for
// TorchServe and KServe's V1 protocol, which have none.
func TestMetadata(t *testing.T) {
	_, g := startFunctional(t)
	c := testClient()
	cases := []struct {
		route string
		want  modelMeta
	}{
		{"iris-tfserving", modelMeta{
			Inputs: []tensorMeta{{"features", "FP32", []int64{-1, 4}}},
			Outputs: []tensorMeta{
				{"classes", "INT64", []int64{-1}},
				{"probabilities", "FP32", []int64{-1, 3}},
			},
		}},
		{"half_plus_two", modelMeta{
			Inputs:  []tensorMeta{{"x", "FP32", []int64{-1}}},
			Outputs: []tensorMeta{{"y", "FP32", []int64{-1}}},
		}},
		{"iris-kserve", modelMeta{
			Inputs:  []tensorMeta{{"input-0", "FP32", []int64{-1, 4}}},
			Outputs: []tensorMeta{{"output-0", "INT64", []int64{-1}}},
		}},
		{"iris-mlflow", modelMeta{
			Inputs: []tensorMeta{
				{"sepal_length", "FP64", []int64{-1}},
				{"sepal_width", "FP64", []int64{-1}},
				{"petal_length", "FP64", []int64{-1}},
				{"petal_width", "FP64", []int64{-1}},
			},
			Outputs: []tensorMeta{{"label", "INT64", []int64{-1}}},
		}},
		{"iris-bentoml", modelMeta{
			Inputs:  []tensorMeta{{"features", "FP64", []int64{-1, -1}}},
			Outputs: []tensorMeta{{"label", "INT64", []int64{-1}}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.route, func(t *testing.T) {
			t.Parallel()
			r := call(t, c, "GET", g.URL+"/v2/models/"+tc.route, "")
			mustStatus(t, "metadata", r, 200)
			var got modelMeta
			decode(t, r, &got)
			tc.want.Name = tc.route
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("metadata of %s (-want +got):\n%s\nbody: %s", tc.route, diff, r.Body)
			}
		})
	}
	for route, backend := range map[string]string{"iris-torchserve": "torchserve", "iris-kserve-v1": "kserve-v1"} {
		t.Run(backend+" has no signature", func(t *testing.T) {
			t.Parallel()
			r := call(t, c, "GET", g.URL+"/v2/models/"+route, "")
			mustStatus(t, "metadata", r, 501)
			if msg := r.ErrMsg(); !strings.Contains(msg, `"`+backend+`"`) {
				t.Errorf("error: got %q, want it to name backend %s", msg, backend)
			}
		})
	}
}

// TestReadiness checks per-route readiness in both front protocols for
// every backend kind, and that an unknown model is a 404.
func TestReadiness(t *testing.T) {
	_, g := startFunctional(t)
	c := testClient()
	routes := []string{"iris-mlflow", "iris-kserve", "iris-kserve-v1", "iris-bentoml", "iris-torchserve",
		"iris-tfserving", "half_plus_two", "iris"}
	for _, rt := range routes {
		t.Run(rt, func(t *testing.T) {
			t.Parallel()
			r := call(t, c, "GET", g.URL+"/v2/models/"+rt+"/ready", "")
			mustStatus(t, "v2 ready", r, 200)
			var ready struct {
				Name  string `json:"name"`
				Ready bool   `json:"ready"`
			}
			decode(t, r, &ready)
			if ready.Name != rt || !ready.Ready {
				t.Errorf("v2 ready: got %s, want name %q ready true", r.Body, rt)
			}
			r = call(t, c, "GET", g.URL+"/v1/models/"+rt, "")
			mustStatus(t, "v1 status", r, 200)
			var st struct {
				Versions []struct {
					State string `json:"state"`
				} `json:"model_version_status"`
			}
			decode(t, r, &st)
			if len(st.Versions) == 0 || st.Versions[0].State != "AVAILABLE" {
				t.Errorf("v1 status: got %s, want model_version_status[0].state AVAILABLE", r.Body)
			}
		})
	}
	t.Run("unknown model", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/v2/models/nope/ready", "/v1/models/nope"} {
			r := call(t, c, "GET", g.URL+path, "")
			mustStatus(t, path, r, 404)
		}
	})
	t.Run("server", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/v2/health/live", "/v2/health/ready"} {
			mustStatus(t, path, call(t, c, "GET", g.URL+path, ""), 200)
		}
	})
}

// TestV2OutputsTypedBySignature checks that the very first v2 inference
// through a TF Serving target gives its outputs the datatypes of the
// model's signature, as GET /v2/models/{m} reports them. TF Serving's JSON
// answer does not carry them (0.5 may be a float or a double); the gateway
// asks for the signature before the target's first inference.
func TestV2OutputsTypedBySignature(t *testing.T) {
	_, g := startFunctional(t) // a fresh gateway: no metadata asked yet
	c := testClient()
	cases := []struct{ route, body string }{
		{"iris-tfserving", v2Body("features", "FP32")},
		{"half_plus_two", `{"inputs":[{"name":"x","shape":[3],"datatype":"FP32","data":[1,2,5]}]}`},
	}
	for _, tc := range cases {
		r := call(t, c, "POST", g.URL+"/v2/models/"+tc.route+"/infer", tc.body)
		mustStatus(t, tc.route+" infer", r, 200)
		var resp v2Response
		decode(t, r, &resp)
		r = call(t, c, "GET", g.URL+"/v2/models/"+tc.route, "")
		mustStatus(t, tc.route+" metadata", r, 200)
		var md modelMeta
		decode(t, r, &md)
		want := map[string]string{}
		for _, o := range md.Outputs {
			want[o.Name] = o.Datatype
		}
		got := map[string]string{}
		for _, o := range resp.Outputs {
			got[o.Name] = o.Datatype
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: first answer's output datatypes (-signature +got):\n%s", tc.route, diff)
		}
	}
}
