// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// fakeTFS is a hand-written TF Serving REST server. It reproduces the wire
// protocol of PROTOCOLS.md §1.1–§1.4 as tensorflow/serving@9d981c5 behaves:
//
//   - the path patterns of model_servers/http_rest_api_util.cc, matched
//     case-insensitively on the escaped path, names and labels
//     percent-decoded; other /v1/ shapes are 400 "Malformed request",
//     non-/v1/ paths a bare 404 without a body (§1.1);
//   - :predict bodies decoded and answered by package v1json, which follows
//     util/json_tensor.cc, with the signature chosen by signature_name
//     (§1.2, §1.3);
//   - model status and metadata answers in proto JSON, int64s as strings,
//     the doubled "signature_def" nesting (§1.3);
//   - errors as rapidjson's pretty-printed {"error": "…"}, with the
//     statuses of http_server.cc and the messages of basic_manager.cc,
//     server_core.cc and get_model_status_impl.cc (§1.4): 404 "Servable not
//     found" for unknown and not-yet-AVAILABLE versions alike.
type fakeTFS struct {
	mu     sync.Mutex
	models map[string]*fakeModel
}

// fakeModel is one model: its versions' states, labels and signatures.
type fakeModel struct {
	versions map[int64]string
	labels   map[string]int64
	sigs     map[string]*v1json.Signature
	run      func(sig string, in []adapters.Tensor) []adapters.Tensor
}

// newFakeTFS serves "half_plus_two" (version 123 AVAILABLE, label
// "stable"; y = 0.5x + 2 over DT_FLOAT [-1,1]) and "loading" (version 1
// LOADING).
func newFakeTFS() *fakeTFS {
	sig := &v1json.Signature{
		Name:    DefaultSignatureName,
		Inputs:  []adapters.TensorMetadata{{Name: "x", DType: adapters.FP32, Shape: []int64{-1, 1}}},
		Outputs: []adapters.TensorMetadata{{Name: "y", DType: adapters.FP32, Shape: []int64{-1, 1}}},
	}
	return &fakeTFS{models: map[string]*fakeModel{
		"half_plus_two": {
			versions: map[int64]string{123: "AVAILABLE"},
			labels:   map[string]int64{"stable": 123},
			sigs:     map[string]*v1json.Signature{DefaultSignatureName: sig},
			run:      halfPlusTwo,
		},
		"loading": {
			versions: map[int64]string{1: "LOADING"},
			sigs:     map[string]*v1json.Signature{DefaultSignatureName: sig},
			run:      halfPlusTwo,
		},
	}}
}

func halfPlusTwo(_ string, in []adapters.Tensor) []adapters.Tensor {
	x := in[0]
	y := make([]float32, len(x.Data.FP32))
	for i, v := range x.Data.FP32 {
		y[i] = 0.5*v + 2
	}
	return []adapters.Tensor{{Name: "y", DType: adapters.FP32, Shape: x.Shape, Data: adapters.TensorData{FP32: y}}}
}

// setState changes a version's state (for rollout tests).
func (f *fakeTFS) setState(model string, version int64, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.models[model].versions[version] = state
}

var (
	predictPath = regexp.MustCompile(`(?i)^/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)$`)
	statusPath  = regexp.MustCompile(`(?i)^/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?$`)
	v1Prefix    = regexp.MustCompile(`(?i)^/v1/`)
)

func (f *fakeTFS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if !v1Prefix.MatchString(path) {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	status, out := f.dispatch(r.Method, path, body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

// tfError renders a TF status as rapidjson's PrettyWriter does.
func tfError(status int, msg string) (int, string) {
	return status, "{\n    \"error\": " + string(jsontext.AppendString(nil, msg)) + "\n}"
}

func (f *fakeTFS) dispatch(method, path string, body []byte) (int, string) {
	var m []string
	switch method {
	case http.MethodPost:
		m = predictPath.FindStringSubmatch(path)
	case http.MethodGet:
		m = statusPath.FindStringSubmatch(path)
	}
	if m == nil {
		return tfError(http.StatusBadRequest, "Malformed request: "+method+" "+path)
	}
	name, _ := url.PathUnescape(m[1])
	label, _ := url.PathUnescape(m[3])
	spec := servableSpec{name: name, version: m[2], label: label}
	switch {
	case method == http.MethodPost && strings.EqualFold(m[4], "predict"):
		return f.predict(spec, body)
	case method == http.MethodPost:
		return tfError(http.StatusNotImplemented, "the fake implements :predict only")
	case name == "":
		return tfError(http.StatusBadRequest, "Missing model name in request.")
	case m[4] != "":
		return f.metadata(spec)
	}
	return f.status(spec)
}

type servableSpec struct{ name, version, label string }

func (s servableSpec) String() string {
	if s.version != "" {
		return "Specific(" + s.name + ", " + s.version + ")"
	}
	return "Latest(" + s.name + ")"
}

// servable finds an AVAILABLE version as ServerCore/BasicManager do.
func (f *fakeTFS) servable(s servableSpec) (*fakeModel, int64, int, string) {
	model := f.models[s.name]
	if s.label != "" {
		v, ok := model.labelVersion(s.label)
		if !ok {
			status, msg := tfError(http.StatusBadRequest, "Unrecognized servable version label: "+s.label)
			return nil, 0, status, msg
		}
		s.version = strconv.FormatInt(v, 10)
	}
	if model != nil {
		for v, state := range model.versions {
			if state == "AVAILABLE" && (s.version == "" || s.version == strconv.FormatInt(v, 10)) {
				return model, v, 0, ""
			}
		}
	}
	status, msg := tfError(http.StatusNotFound, "Servable not found for request: "+s.String())
	return nil, 0, status, msg
}

func (m *fakeModel) labelVersion(label string) (int64, bool) {
	if m == nil {
		return 0, false
	}
	v, ok := m.labels[label]
	return v, ok
}

func (f *fakeTFS) predict(s servableSpec, body []byte) (int, string) {
	model, _, status, msg := f.servable(s)
	if model == nil {
		return status, msg
	}
	req, err := v1json.DecodePredictRequestFunc(body, func(name string) (*v1json.Signature, error) {
		if name == "" {
			name = DefaultSignatureName
		}
		sig := model.sigs[name]
		if sig == nil {
			return nil, fmt.Errorf("%w: Serving signature name: %q not found in signature def", adapters.ErrInvalidInput, name)
		}
		return sig, nil
	})
	if err != nil {
		return tfError(http.StatusBadRequest, strings.TrimPrefix(err.Error(), adapters.ErrInvalidInput.Error()+": "))
	}
	out, err := v1json.AppendPredictResponse(nil, req.Format, model.run(req.SignatureName, req.Inputs))
	if err != nil {
		return tfError(http.StatusBadRequest, err.Error())
	}
	return http.StatusOK, string(out)
}

func (f *fakeTFS) status(s servableSpec) (int, string) {
	model := f.models[s.name]
	if model == nil {
		return tfError(http.StatusNotFound, "Could not find any versions of model "+s.name)
	}
	if s.label != "" {
		v, ok := model.labels[s.label]
		if !ok {
			return tfError(http.StatusBadRequest, "Unrecognized servable version label: "+s.label)
		}
		s.version = strconv.FormatInt(v, 10)
	}
	var versions []int64
	for v := range model.versions {
		if s.version == "" || s.version == strconv.FormatInt(v, 10) {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return tfError(http.StatusNotFound, "Could not find version "+s.version+" of model "+s.name)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] > versions[j] })
	var entries []string
	for _, v := range versions {
		entries = append(entries, fmt.Sprintf(
			"  {\n   \"version\": \"%d\",\n   \"state\": \"%s\",\n   \"status\": {\n    \"error_code\": \"OK\",\n    \"error_message\": \"\"\n   }\n  }",
			v, model.versions[v]))
	}
	return http.StatusOK, "{\n \"model_version_status\": [\n" + strings.Join(entries, ",\n") + "\n ]\n}\n"
}

func (f *fakeTFS) metadata(s servableSpec) (int, string) {
	model, version, status, msg := f.servable(s)
	if model == nil {
		return status, msg
	}
	var sigs []string
	for name, sig := range model.sigs {
		sigs = append(sigs, fmt.Sprintf(`%q: {"inputs": {%s}, "outputs": {%s}, "method_name": "tensorflow/serving/predict", "defaults": {}}`,
			name, tensorInfos(sig.Inputs), tensorInfos(sig.Outputs)))
	}
	return http.StatusOK, fmt.Sprintf(`{
"model_spec":{"name": %q, "signature_name": "", "version": "%d"},
"metadata": {"signature_def": {"signature_def": {%s}}}
}
`, s.name, version, strings.Join(sigs, ", "))
}

// tfDTypeNames inverts tfDTypes for the fake's answers.
func tfDTypeName(dt adapters.DType) string {
	for name, d := range tfDTypes {
		if d == dt {
			return name
		}
	}
	return "DT_INVALID"
}

func tensorInfos(ts []adapters.TensorMetadata) string {
	var out []string
	for _, t := range ts {
		var dims []string
		for _, d := range t.Shape {
			dims = append(dims, fmt.Sprintf(`{"size": "%d", "name": ""}`, d))
		}
		out = append(out, fmt.Sprintf(`%q: {"dtype": %q, "tensor_shape": {"dim": [%s], "unknown_rank": false}, "name": "%s:0"}`,
			t.Name, tfDTypeName(t.DType), strings.Join(dims, ", "), t.Name))
	}
	return strings.Join(out, ", ")
}
