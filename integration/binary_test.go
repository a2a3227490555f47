// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"testing"
)

// TestPredictV2Binary sends the three iris samples to every iris route in
// the binary tensor data extension (PROTOCOLS.md §6.4), as Triton's
// clients do by default: the [3,4] FP32 input as little-endian bytes after
// the JSON, every output asked for in binary. The body is built here by
// hand from the specification, not with modelgate's encoder. The class
// output must come back as little-endian INT64 equal to scikit-learn's
// classes, whatever the backend (OIP, TF Serving, MLflow, BentoML,
// TorchServe: the gateway decodes the bytes and translates as for JSON).
func TestPredictV2Binary(t *testing.T) {
	_, g := startFunctional(t)
	c := testClient()
	var bin []byte
	for _, row := range irisSamples() {
		for _, v := range row {
			bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(float32(v)))
		}
	}
	for _, rt := range irisRoutes() {
		if rt.columns {
			continue
		}
		t.Run(rt.name, func(t *testing.T) {
			t.Parallel()
			head, _ := json.Marshal(map[string]any{
				"id":         "bin-1",
				"parameters": map[string]any{"binary_data_output": true},
				"inputs": []map[string]any{{
					"name": rt.input, "datatype": "FP32", "shape": []int{3, 4},
					"parameters": map[string]any{"binary_data_size": len(bin)},
				}},
			})
			r := call(t, c, "POST", g.URL+"/v2/models/"+rt.name+"/infer", string(head)+string(bin),
				"Content-Type", "application/octet-stream", "Inference-Header-Content-Length", strconv.Itoa(len(head)))
			mustStatus(t, "binary infer", r, 200)
			n, err := strconv.Atoi(r.Header.Get("Inference-Header-Content-Length"))
			if err != nil || n > len(r.Body) {
				t.Fatalf("Inference-Header-Content-Length %q for a %d-byte answer", r.Header.Get("Inference-Header-Content-Length"), len(r.Body))
			}
			var resp struct {
				ID      string `json:"id"`
				Outputs []struct {
					Name       string          `json:"name"`
					Datatype   string          `json:"datatype"`
					Shape      []int64         `json:"shape"`
					Parameters map[string]any  `json:"parameters"`
					Data       json.RawMessage `json:"data"`
				} `json:"outputs"`
			}
			if err := json.Unmarshal(r.Body[:n], &resp); err != nil {
				t.Fatalf("the answer's JSON: %v\n%s", err, r.Body[:n])
			}
			if resp.ID != "bin-1" {
				t.Errorf("id: got %q, want bin-1", resp.ID)
			}
			rest := r.Body[n:]
			var classes []int64
			for _, o := range resp.Outputs {
				size, ok := o.Parameters["binary_data_size"].(float64)
				if !ok || o.Data != nil || int(size) > len(rest) {
					t.Fatalf("output %s: parameters %v, data %s: want a binary_data_size within the %d bytes left and no data",
						o.Name, o.Parameters, o.Data, len(rest))
				}
				part := rest[:int(size)]
				rest = rest[int(size):]
				if o.Name != rt.output {
					continue
				}
				if o.Datatype != "INT64" || !slices.Equal(o.Shape, []int64{3}) || len(part) != 24 {
					t.Fatalf("class output %s: %s %v with %d bytes, want INT64 [3] with 24", o.Name, o.Datatype, o.Shape, len(part))
				}
				for i := range 3 {
					classes = append(classes, int64(binary.LittleEndian.Uint64(part[8*i:])))
				}
			}
			if len(rest) != 0 {
				t.Errorf("%d bytes after the outputs' binary_data_size", len(rest))
			}
			if !slices.Equal(classes, irisClasses()) {
				t.Errorf("classes: got %v, want %v (outputs %s)", classes, irisClasses(), r.Body[:n])
			}
		})
	}
}
