// SPDX-License-Identifier: Apache-2.0

package tfserving_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/tfserving"
)

// ExampleNew builds an adapter for TF Serving's half_plus_two model and
// runs one prediction. The stand-in server answers as TF Serving does for
// a columnar request: {"outputs": …} with floats written as 2.5, 3.0.
func ExampleNew() {
	tfs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s %s\n", r.Method, r.URL.Path, body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{\n    \"outputs\": [[2.5], [3.0]]\n}")
	}))
	defer tfs.Close()

	base, _ := url.Parse(tfs.URL) // e.g. http://127.0.0.1:8501
	a, err := tfserving.New(tfserving.Options{
		Backend:     "tfs",
		BaseURL:     base,
		Client:      &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 10 * time.Second}},
		Model:       adapters.ModelRef{Name: "half_plus_two"},
		OutputNames: []string{"y"},
	})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := a.Infer(context.Background(), &adapters.Request{Inputs: []adapters.Tensor{{
		Name: "x", DType: adapters.FP32, Shape: []int64{2, 1},
		Data: adapters.TensorData{FP32: []float32{1, 2}},
	}}})
	if err != nil {
		log.Fatal(err)
	}
	y := resp.Outputs[0]
	fmt.Println(y.Name, y.DType, y.Shape, y.Data.FP64)
	// Output:
	// POST /v1/models/half_plus_two:predict {"inputs":[[1.0],[2.0]]}
	// y FP64 [2 1] [2.5 3]
}
