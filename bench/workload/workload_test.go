// SPDX-License-Identifier: Apache-2.0

package workload_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/mlflow"
	"github.com/modelgate/modelgate/bench/workload"
)

// TestBodiesDecode checks every OIP body the bench sends is a valid request
// for modelgate's own codec, with the shape the scenario claims.
func TestBodiesDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  []byte
		shape []int64
	}{
		{"small", workload.SmallOIP(), []int64{1, 4}},
		{"big, 1000 elements", workload.BigOIP(1000), []int64{1, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := adapters.DecodeRequest(tt.body)
			if err != nil {
				t.Fatalf("DecodeRequest: got %v, want nil", err)
			}
			if len(req.Inputs) != 1 {
				t.Fatalf("inputs: got %d, want 1", len(req.Inputs))
			}
			in := req.Inputs[0]
			if diff := cmp.Diff(tt.shape, in.Shape); diff != "" {
				t.Errorf("shape (-want +got):\n%s", diff)
			}
			if in.DType != adapters.FP32 || in.Name != "input-0" {
				t.Errorf("input: got %s %q, want FP32 \"input-0\"", in.DType, in.Name)
			}
		})
	}
}

// TestBigOIPDeterministic checks the large body is the same bytes each
// time, with values in [0,1).
func TestBigOIPDeterministic(t *testing.T) {
	t.Parallel()
	a, b := workload.BigOIP(5000), workload.BigOIP(5000)
	if !bytes.Equal(a, b) {
		t.Fatal("BigOIP(5000) differs between calls, want identical bytes")
	}
	req, err := adapters.DecodeRequest(a)
	if err != nil {
		t.Fatalf("DecodeRequest: got %v, want nil", err)
	}
	for i, f := range req.Inputs[0].Data.FP32 {
		if f < 0 || f >= 1 {
			t.Fatalf("element %d: got %v, want in [0,1)", i, f)
		}
	}
}

// roundTrip is an http.RoundTripper that records one request and answers
// with MLflow's /invocations success body (PROTOCOLS.md §3.3).
type roundTrip struct {
	body []byte
}

func (rt *roundTrip) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	rt.body = b
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(workload.Predictions)),
		ContentLength: int64(len(workload.Predictions)),
		Request:       r,
	}, nil
}

// TestSmallDataframeIsWhatMLflowAdapterSends checks that the peers of the
// v2-mlflow scenario are sent exactly the body modelgate's MLflow adapter
// makes from SmallOIP with the bench's columns, so both legs do the same
// backend work.
func TestSmallDataframeIsWhatMLflowAdapterSends(t *testing.T) {
	t.Parallel()
	rt := &roundTrip{}
	a, err := mlflow.New(mlflow.Options{
		BaseURL: &url.URL{Scheme: "http", Host: "127.0.0.1:1"},
		Client:  &http.Client{Transport: rt},
		Model:   adapters.ModelRef{Name: workload.MLflowModel},
		Columns: workload.Columns(),
	})
	if err != nil {
		t.Fatalf("mlflow.New: %v", err)
	}
	req, err := adapters.DecodeRequest(workload.SmallOIP())
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	if _, err := a.Infer(context.Background(), req); err != nil {
		t.Fatalf("Infer: got %v, want nil", err)
	}
	if got, want := string(rt.body), string(workload.SmallDataframe()); got != want {
		t.Errorf("/invocations body:\ngot  %s\nwant %s", got, want)
	}
}

// TestAnswersDecode checks the backend's canned answers are valid for
// modelgate's OIP codec.
func TestAnswersDecode(t *testing.T) {
	t.Parallel()
	resp, err := adapters.DecodeResponse(workload.AppendOIPResponse(nil, "small", "req-1"))
	if err != nil {
		t.Fatalf("DecodeResponse: got %v, want nil", err)
	}
	if resp.ID != "req-1" || resp.Model.Name != "small" || len(resp.Outputs) != 1 {
		t.Errorf("response: got id %q model %q %d outputs, want \"req-1\" \"small\" 1", resp.ID, resp.Model.Name, len(resp.Outputs))
	}
	md, err := adapters.DecodeMetadata(workload.AppendOIPMetadata(nil, "small"))
	if err != nil {
		t.Fatalf("DecodeMetadata: got %v, want nil", err)
	}
	if len(md.Inputs) != 1 || md.Inputs[0].DType != adapters.FP32 {
		t.Errorf("metadata inputs: got %+v, want one FP32", md.Inputs)
	}
}

// TestRequestID checks the id scan of the backend.
func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, head, want string
	}{
		{"first member", `{"id":"abc-1","inputs":[]}`, "abc-1"},
		{"spaces", `{ "id" : "x" }`, "x"},
		{"after inputs", `{"inputs":[{"name":"id","shape":[1]}],"id":"z"}`, "z"},
		{"none", `{"inputs":[]}`, ""},
		{"not a string", `{"id":12}`, ""},
		{"needs escaping", `{"id":"a\"b"}`, ""},
		{"truncated", `{"id":"abc`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := workload.RequestID([]byte(tt.head)); got != tt.want {
				t.Errorf("RequestID(%s): got %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}
