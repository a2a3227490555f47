// SPDX-License-Identifier: Apache-2.0

package oip_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/oip"
)

func ExampleNew() {
	// A stand-in for a KServe, Triton or MLServer endpoint.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		fmt.Println(r.Method, r.URL.Path)
		_, _ = io.WriteString(w, `{"model_name": "iris", "model_version": "1", "id": "r1",
			"outputs": [{"name": "label", "shape": [2], "datatype": "INT64", "data": [1, 0]}]}`)
	}))
	defer srv.Close()

	base, _ := url.Parse(srv.URL)
	a, err := oip.New(oip.Options{
		Backend: "kserve-iris",
		BaseURL: base,
		Client:  srv.Client(), // in production: the backend's resilience client
		Model:   adapters.ModelRef{Name: "iris", Version: "1"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := a.Infer(context.Background(), &adapters.Request{
		ID: "r1",
		Inputs: []adapters.Tensor{{Name: "x", DType: adapters.FP32, Shape: []int64{2, 4},
			Data: adapters.TensorData{FP32: []float32{6.8, 2.8, 4.8, 1.4, 6.0, 3.4, 4.5, 1.6}}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.ID, resp.Model, resp.Outputs[0].Name, resp.Outputs[0].Data.Int64)
	// Output:
	// POST /v2/models/iris/versions/1/infer
	// r1 iris@1 label [1 0]
}
