// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOIP is a hand-written Open Inference Protocol v2 backend
// (PROTOCOLS.md §6.1 paths, §6.3 JSON), decoded and encoded with
// encoding/json, serving "sum" models: input "x" FP64 [N, K] → output "sum"
// FP64 [N], the sum of each row. Model "slow" answers only once release is
// closed (or after a minute) and reports on started when a request arrives.
type fakeOIP struct {
	srv     *httptest.Server
	started chan struct{} // one value per "slow" request received
	release chan struct{} // closed to let "slow" requests answer
	calls   atomic.Int64  // infer requests received
}

// oipTensor is one tensor of an OIP v2 JSON body (§6.3).
type oipTensor struct {
	Name     string  `json:"name"`
	Shape    []int64 `json:"shape"`
	Datatype string  `json:"datatype"`
	Data     any     `json:"data"`
}

// oipMeta is one tensor of an OIP v2 model metadata answer (§6.1).
type oipMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

func newFakeOIP(t *testing.T) *fakeOIP {
	t.Helper()
	f := &fakeOIP{started: make(chan struct{}, 16), release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/models/{model}", f.metadata)
	mux.HandleFunc("GET /v2/models/{model}/ready", f.ready)
	mux.HandleFunc("POST /v2/models/{model}/infer", f.infer)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.releaseSlow()
		f.srv.Close()
	})
	return f
}

// releaseSlow lets every "slow" request answer; it may be called twice.
func (f *fakeOIP) releaseSlow() {
	select {
	case <-f.release:
	default:
		close(f.release)
	}
}

func known(model string) bool { return model == "sum" || model == "slow" }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, model string) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("Model with name %s does not exist.", model)})
}

func (f *fakeOIP) metadata(w http.ResponseWriter, r *http.Request) {
	model := r.PathValue("model")
	if !known(model) {
		notFound(w, model)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name": model, "versions": []string{"1"}, "platform": "fake",
		"inputs":  []oipMeta{{Name: "x", Datatype: "FP64", Shape: []int64{-1, -1}}},
		"outputs": []oipMeta{{Name: "sum", Datatype: "FP64", Shape: []int64{-1}}},
	})
}

func (f *fakeOIP) ready(w http.ResponseWriter, r *http.Request) {
	model := r.PathValue("model")
	if !known(model) {
		notFound(w, model)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": model, "ready": true})
}

func (f *fakeOIP) infer(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	model := r.PathValue("model")
	if !known(model) {
		notFound(w, model)
		return
	}
	var req struct {
		ID     string      `json:"id"`
		Inputs []oipTensor `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return
	}
	sums, err := rowSums(req.Inputs)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if model == "slow" {
		f.started <- struct{}{}
		select {
		case <-f.release:
		case <-time.After(time.Minute):
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"model_name": model, "model_version": "1", "id": req.ID,
		"outputs": []oipTensor{{Name: "sum", Shape: []int64{int64(len(sums))}, Datatype: "FP64", Data: sums}},
	})
}

// rowSums checks the single input "x" FP64 [N, K] and sums its rows.
func rowSums(inputs []oipTensor) ([]float64, error) {
	if len(inputs) != 1 || inputs[0].Name != "x" || inputs[0].Datatype != "FP64" || len(inputs[0].Shape) != 2 {
		return nil, fmt.Errorf("want one input x FP64 [N, K], got %+v", inputs)
	}
	flat := flatten(inputs[0].Data, nil)
	n, k := inputs[0].Shape[0], inputs[0].Shape[1]
	if int64(len(flat)) != n*k {
		return nil, fmt.Errorf("shape %v does not match %d elements", inputs[0].Shape, len(flat))
	}
	sums := make([]float64, n)
	for i, v := range flat {
		sums[int64(i)/max(k, 1)] += v
	}
	return sums, nil
}

// flatten collects the numbers of nested or flat tensor data (§6.3).
func flatten(v any, out []float64) []float64 {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = flatten(e, out)
		}
	case float64:
		out = append(out, x)
	}
	return out
}

// fakeURL is the fake's base URL.
func (f *fakeOIP) fakeURL() string { return strings.TrimSuffix(f.srv.URL, "/") }
