// SPDX-License-Identifier: Apache-2.0

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/bench/workload"
)

// TestHandlerRoutes checks each dialect's endpoint answers with its
// protocol's status and body.
func TestHandlerRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		want                            string // the whole body, if set
	}{
		{"oip infer", "POST", "/v2/models/small/infer", "application/json", string(workload.SmallOIP()), 200,
			string(workload.AppendOIPResponse(nil, "small", ""))},
		{"oip infer echoes id", "POST", "/v2/models/small/versions/3/infer", "application/json", `{"id":"r7","inputs":[]}`, 200,
			string(workload.AppendOIPResponse(nil, "small", "r7"))},
		{"oip infer of a big body", "POST", "/v2/models/big/infer", "application/json", string(workload.BigOIP(100000)), 200,
			string(workload.AppendOIPResponse(nil, "big", ""))},
		{"oip infer wants POST", "GET", "/v2/models/small/infer", "", "", 405, ""},
		{"oip metadata", "GET", "/v2/models/small", "", "", 200, string(workload.AppendOIPMetadata(nil, "small"))},
		{"oip model ready", "GET", "/v2/models/small/ready", "", "", 200, ""},
		{"oip unsafe model name", "POST", "/v2/models/a%22b/infer", "application/json", "{}", 404, ""},
		{"server ready", "GET", "/v2/health/ready", "", "", 200, ""},
		{"tf predict", "POST", "/v1/models/small:predict", "application/json", string(workload.SmallV1()), 200, workload.Predictions},
		{"tf status", "GET", "/v1/models/small", "", "", 200, ""},
		{"mlflow invocations", "POST", "/invocations", "application/json", string(workload.SmallDataframe()), 200, workload.Predictions},
		{"mlflow wants json or csv", "POST", "/invocations", "text/plain", "x", 415, ""},
		{"mlflow ping", "GET", "/ping", "", "", 200, "\n"},
		{"unknown path", "GET", "/nope", "", "", 404, ""},
	}
	h := newHandler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("%s %s: got status %d, want %d (body %s)", tt.method, tt.path, w.Code, tt.status, w.Body)
			}
			if tt.want != "" && w.Body.String() != tt.want {
				t.Errorf("%s %s: got body %s, want %s", tt.method, tt.path, w.Body, tt.want)
			}
		})
	}
}

// TestInferAnswerDecodes checks the infer answer is a valid OIP response
// for modelgate's codec, with the model echoed (PROTOCOLS.md §6.3).
func TestInferAnswerDecodes(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/v2/models/small/infer", strings.NewReader(`{"id":"q1","inputs":[]}`))
	w := httptest.NewRecorder()
	newHandler().ServeHTTP(w, r)
	resp, err := adapters.DecodeResponse(w.Body.Bytes())
	if err != nil {
		t.Fatalf("DecodeResponse: got %v, want nil", err)
	}
	if resp.Model.Name != "small" || resp.ID != "q1" {
		t.Errorf("got model %q id %q, want \"small\" \"q1\"", resp.Model.Name, resp.ID)
	}
	if got := len(resp.Outputs[0].Data.FP32); got != 3 {
		t.Errorf("output elements: got %d, want 3", got)
	}
}
