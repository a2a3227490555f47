// SPDX-License-Identifier: Apache-2.0

package oip_test

// fakeServer is a hand-written Open Inference Protocol v2 server for the
// conformance kit, following PROTOCOLS.md §6: paths (§6.1), readiness
// (§6.2: ready answers 200 with KServe's JSON; "not ready" answers 400 with
// an empty body as Triton and MLServer do), and inference JSON (§6.3:
// nested or flat data, answers written flat, absent optionals as null as
// KServe Python does). Errors use KServe's {"error": …} bodies (§5). It
// uses encoding/json with UseNumber, independent of our codec, so numbers
// travel exactly.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
)

type oipTensor struct {
	Name       string         `json:"name"`
	Shape      []int64        `json:"shape"`
	Datatype   string         `json:"datatype"`
	Parameters map[string]any `json:"parameters"`
	Data       any            `json:"data"`
}

type oipRequest struct {
	ID         string         `json:"id"`
	Parameters map[string]any `json:"parameters"`
	Inputs     []oipTensor    `json:"inputs"`
	Outputs    []struct {
		Name string `json:"name"`
	} `json:"outputs"`
}

type oipResponse struct {
	ModelName    string         `json:"model_name"`
	ModelVersion *string        `json:"model_version"`
	ID           string         `json:"id"`
	Parameters   map[string]any `json:"parameters"`
	Outputs      []oipTensor    `json:"outputs"`
}

type oipMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

type oipMetadata struct {
	Name     string    `json:"name"`
	Versions []string  `json:"versions,omitempty"`
	Platform string    `json:"platform"`
	Inputs   []oipMeta `json:"inputs"`
	Outputs  []oipMeta `json:"outputs"`
}

// fakeServer returns the OIP fake acting out s.
func fakeServer(_ *testing.T, s adaptertest.Scenario) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, op, ok := parsePath(r.URL.EscapedPath())
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not Found"}) // FastAPI
			return
		}
		switch s.Kind {
		case adaptertest.OK:
			serveModel(w, r, s.Model, m, op)
		case adaptertest.ModelNotFound:
			writeError(w, http.StatusNotFound, fmt.Sprintf("Model with name %s does not exist.", m.Name))
		case adaptertest.BadInput:
			if op != "infer" {
				serveModel(w, r, s.Model, m, op)
				return
			}
			writeError(w, http.StatusBadRequest, "unexpected shape for input 'x_fp32' for model 'conformance-model'")
		case adaptertest.RateLimited:
			w.Header().Set("Retry-After", "7")
			writeError(w, http.StatusTooManyRequests, "Too many requests")
		case adaptertest.ServerError:
			writeError(w, http.StatusInternalServerError, "InferenceError : model raised ZeroDivisionError")
		case adaptertest.Unavailable:
			if op == "ready" {
				w.WriteHeader(http.StatusBadRequest) // Triton, MLServer: 400, empty body
				return
			}
			writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("Model with name %s is not ready.", m.Name))
		case adaptertest.MalformedBody:
			_, _ = io.WriteString(w, `{"model_name": "conformance-model", "outputs": [{"name": "y", "datatype": "FP32", "shape": [2], "data": [1, `)
		case adaptertest.OversizedBody:
			pad := strings.Repeat("x", 2*adaptertest.MaxResponseBytes)
			writeJSON(w, http.StatusOK, oipResponse{ModelName: m.Name, Parameters: map[string]any{"pad": pad}, Outputs: []oipTensor{}})
		}
	})
}

// parsePath splits /v2/models/{m}[/versions/{v}][/infer|/ready].
func parsePath(p string) (adapters.ModelRef, string, bool) {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(segs) < 3 || segs[0] != "v2" || segs[1] != "models" {
		return adapters.ModelRef{}, "", false
	}
	for i := range segs {
		var err error
		if segs[i], err = url.PathUnescape(segs[i]); err != nil {
			return adapters.ModelRef{}, "", false
		}
	}
	m, rest := adapters.ModelRef{Name: segs[2]}, segs[3:]
	if len(rest) >= 2 && rest[0] == "versions" {
		m.Version, rest = rest[1], rest[2:]
	}
	switch {
	case len(rest) == 0:
		return m, "metadata", true
	case len(rest) == 1 && (rest[0] == "infer" || rest[0] == "ready"):
		return m, rest[0], true
	}
	return adapters.ModelRef{}, "", false
}

func serveModel(w http.ResponseWriter, r *http.Request, served, m adapters.ModelRef, op string) {
	if m != served {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Model with name %s does not exist.", m))
		return
	}
	switch op {
	case "ready":
		writeJSON(w, http.StatusOK, map[string]any{"name": m.Name, "ready": true})
	case "metadata":
		writeJSON(w, http.StatusOK, metadataOf(adaptertest.Signature(m)))
	case "infer":
		identity(w, r, m)
	}
}

func metadataOf(md *adapters.ModelMetadata) oipMetadata {
	out := oipMetadata{Name: md.Name, Versions: md.Versions, Platform: md.Platform}
	for _, t := range md.Inputs {
		out.Inputs = append(out.Inputs, oipMeta{t.Name, t.DType.String(), t.Shape})
	}
	for _, t := range md.Outputs {
		out.Outputs = append(out.Outputs, oipMeta{t.Name, t.DType.String(), t.Shape})
	}
	return out
}

// identity answers each input as an output (only those requested, in the
// request's order), with data flattened.
func identity(w http.ResponseWriter, r *http.Request, m adapters.ModelRef) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		writeError(w, http.StatusBadRequest, "unsupported content type "+ct)
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var req oipRequest
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return
	}
	outs, err := echo(&req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	resp := oipResponse{ModelName: m.Name, ID: req.ID, Outputs: outs}
	if m.Version != "" {
		resp.ModelVersion = &m.Version
	}
	writeJSON(w, http.StatusOK, resp)
}

func echo(req *oipRequest) ([]oipTensor, error) {
	byName := map[string]oipTensor{}
	var outs []oipTensor
	for _, in := range req.Inputs {
		flat := flatten(in.Data, nil)
		n := int64(1)
		for _, d := range in.Shape {
			n *= d
		}
		if int64(len(flat)) != n {
			return nil, fmt.Errorf("input %q: shape %v needs %d elements, data has %d", in.Name, in.Shape, n, len(flat))
		}
		out := oipTensor{Name: in.Name, Shape: in.Shape, Datatype: in.Datatype, Data: flat}
		byName[in.Name] = out
		outs = append(outs, out)
	}
	if req.Outputs == nil {
		return outs, nil
	}
	outs = outs[:0:0]
	for _, o := range req.Outputs {
		if t, ok := byName[o.Name]; ok {
			outs = append(outs, t)
		}
	}
	return outs, nil
}

func flatten(v any, dst []any) []any {
	if list, ok := v.([]any); ok {
		for _, e := range list {
			dst = flatten(e, dst)
		}
		return dst
	}
	return append(dst, v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"error": "encoding"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
