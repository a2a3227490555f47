// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelgate/modelgate/adapters"
)

// request returns a request for the env's model with the Sample of each
// dtype, a fresh id and a parameter.
func (e *env) request(dtypes ...adapters.DType) *adapters.Request {
	req := &adapters.Request{
		ID:         fmt.Sprintf("kit-%d", e.ids.Add(1)),
		Model:      e.cfg.Model,
		Parameters: adapters.Parameters{"conformance": true},
	}
	for _, d := range dtypes {
		in, _ := Sample(d) // Harness.check refused dtypes without a sample
		req.Inputs = append(req.Inputs, in)
	}
	return req
}

// rawRequest returns a request for the env's model with a Raw payload.
func (e *env) rawRequest() *adapters.Request {
	return &adapters.Request{
		ID:    fmt.Sprintf("kit-%d", e.ids.Add(1)),
		Model: e.cfg.Model,
		Raw:   &adapters.Payload{ContentType: "application/octet-stream", Data: []byte("\x00\x01conformance\xff")},
	}
}

// probe returns a request the adapter can send: the first supported dtype,
// else a Raw payload if supported, else FP32.
func (e *env) probe() *adapters.Request {
	switch f := e.h.Supports; {
	case len(f.DTypes) > 0:
		return e.request(f.DTypes[0])
	case f.Raw:
		return e.rawRequest()
	}
	return e.request(adapters.FP32)
}

// infer calls Infer and asserts it left req as it was.
func (e *env) infer(ctx context.Context, t *testing.T, req *adapters.Request) (*adapters.Response, error) {
	t.Helper()
	before := req.Clone()
	resp, err := e.adapter.Infer(ctx, req)
	if diff := cmp.Diff(before, req); diff != "" {
		t.Errorf("Infer modified its request (-before +after):\n%s", diff)
	}
	return resp, err
}

// expect returns the response an OK request must produce.
func (e *env) expect(req *adapters.Request) *adapters.Response {
	if e.h.Expect != nil {
		return e.h.Expect(req.Clone())
	}
	return Identity(req)
}

// callContext bounds one call of the suite.
func callContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}
