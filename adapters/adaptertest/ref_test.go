// SPDX-License-Identifier: Apache-2.0

package adaptertest_test

// A reference adapter and its fake backend, to test the kit itself. They
// speak a small protocol invented for this test (not any real backend's):
//
//	POST /models/{m}[/versions/{v}]/infer   JSON refRequest → refResponse; any
//	                                        other Content-Type is echoed raw
//	GET  /models/{m}[/versions/{v}]/ready   200 ready, 503 not ready
//	GET  /models/{m}[/versions/{v}]         JSON adapters.ModelMetadata
//	errors                                  {"error": "…"} with the status
//
// The adapter is written with jsonhttp as a real one would be; mutant
// options break it in the ways the kit must catch.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

type refTensor struct {
	Name  string
	DType adapters.DType
	Shape []int64
	Data  adapters.TensorData
}

type refRequest struct {
	ID      string
	Inputs  []refTensor
	Outputs []string
}

type refResponse struct {
	ID, Model, Version string
	Outputs            []refTensor
}

// mutant names a deliberate defect of refAdapter.
type mutant string

const (
	healthy       mutant = ""
	retries       mutant = "retries"        // a second request after a 5xx
	leaksBody     mutant = "leaks body"     // ready never closes its body
	mutatesInput  mutant = "mutates input"  // writes into req.Parameters
	wrapsCodecErr mutant = "wraps codec"    // %w of an ErrInvalidInput cause on bad bodies
	hidesCancel   mutant = "hides cancel"   // reports a canceled call as unavailable
	noLimit       mutant = "no limit"       // reads bodies without bound
	leaksRoutine  mutant = "leaks routine"  // leaves a goroutine behind per call
	badKindFor429 mutant = "bad kind 429"   // maps 429 to unavailable
	dropsOutputs  mutant = "drops outputs"  // loses the last output
	plainErrors   mutant = "plain errors"   // returns errors that are not *adapters.Error
	noRetryAfter  mutant = "no retry-after" // ignores Retry-After
)

type refAdapter struct {
	base   *url.URL
	client *http.Client
	name   string
	model  adapters.ModelRef
	limit  int64
	mutant mutant
}

var _ adapters.Adapter = (*refAdapter)(nil)

func newRef(cfg adaptertest.Config, m mutant) *refAdapter {
	return &refAdapter{base: cfg.BaseURL, client: cfg.Client, name: cfg.Backend, model: cfg.Model,
		limit: cfg.MaxResponseBytes, mutant: m}
}

func (a *refAdapter) endpoint(m adapters.ModelRef, last ...string) *url.URL {
	segs := []string{"models", m.Name}
	if m.Version != "" {
		segs = append(segs, "versions", m.Version)
	}
	return jsonhttp.Endpoint(a.base, append(segs, last...)...)
}

func (a *refAdapter) call(op string) jsonhttp.Call {
	return jsonhttp.Call{Op: op, Backend: a.name, Model: a.model.String()}
}

func (a *refAdapter) fail(call jsonhttp.Call, status int, err error) error {
	if a.mutant == plainErrors {
		return err
	}
	return call.Error(status, err)
}

func (a *refAdapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	call := a.call("infer")
	if a.mutant == mutatesInput {
		req.Parameters["seen"] = true
	}
	if a.mutant == leaksRoutine {
		go time.Sleep(time.Minute)
	}
	body, ctype, err := a.encode(req)
	if err != nil {
		return nil, a.fail(call, 0, err)
	}
	hreq, err := jsonhttp.NewRequest(ctx, http.MethodPost, a.endpoint(a.model, "infer"), body, ctype)
	if err != nil {
		return nil, a.fail(call, 0, err)
	}
	resp, data, err := a.do(call, hreq)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, a.statusError(call, resp, data)
	}
	if req.Raw != nil {
		return &adapters.Response{ID: req.ID, Model: a.model,
			Raw: &adapters.Payload{ContentType: resp.Header.Get("Content-Type"), Data: data}}, nil
	}
	return a.decode(call, data)
}

func (a *refAdapter) do(call jsonhttp.Call, req *http.Request) (*http.Response, []byte, error) {
	limit := a.limit
	if a.mutant == noLimit {
		limit = 1 << 30
	}
	resp, data, err := call.Do(a.client, req, limit)
	if err == nil && a.mutant == retries && resp.StatusCode >= 500 {
		if req.GetBody != nil {
			req.Body, _ = req.GetBody()
		}
		resp, data, err = call.Do(a.client, req, limit)
	}
	if err != nil && a.mutant == hidesCancel {
		err = call.Error(0, fmt.Errorf("%w: %v", adapters.ErrUnavailable, err))
	}
	return resp, data, err
}

func (a *refAdapter) statusError(call jsonhttp.Call, resp *http.Response, data []byte) error {
	var kind error
	if a.mutant == badKindFor429 && resp.StatusCode == http.StatusTooManyRequests {
		kind = adapters.ErrUnavailable
	}
	e := call.StatusError(resp, data, kind)
	if a.mutant == noRetryAfter {
		e.RetryAfter = 0
	}
	if a.mutant == plainErrors {
		return e.Err
	}
	return e
}

func (a *refAdapter) encode(req *adapters.Request) (body []byte, contentType string, err error) {
	if req.Raw != nil {
		return req.Raw.Data, req.Raw.ContentType, nil
	}
	wire := refRequest{ID: req.ID}
	for i := range req.Inputs {
		in := &req.Inputs[i]
		if err := in.Validate(); err != nil {
			return nil, "", err
		}
		wire.Inputs = append(wire.Inputs, refTensor{in.Name, in.DType, in.Shape, in.Data})
	}
	for _, o := range req.Outputs {
		wire.Outputs = append(wire.Outputs, o.Name)
	}
	body, err = json.Marshal(wire)
	return body, "application/json", err
}

func (a *refAdapter) decode(call jsonhttp.Call, data []byte) (*adapters.Response, error) {
	var wire refResponse
	if err := json.Unmarshal(data, &wire); err != nil {
		cause := fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err)
		if a.mutant == wrapsCodecErr {
			return nil, a.fail(call, 200, fmt.Errorf("%w: %w", adapters.ErrBadUpstream, cause))
		}
		return nil, a.fail(call, 200, jsonhttp.Malformed(cause))
	}
	resp := &adapters.Response{ID: wire.ID, Model: adapters.ModelRef{Name: wire.Model, Version: wire.Version}}
	for _, o := range wire.Outputs {
		t := adapters.Tensor{Name: o.Name, DType: o.DType, Shape: o.Shape, Data: o.Data}
		if err := t.Validate(); err != nil {
			return nil, a.fail(call, 200, jsonhttp.Malformed(err))
		}
		resp.Outputs = append(resp.Outputs, t)
	}
	if a.mutant == dropsOutputs && len(resp.Outputs) > 1 {
		resp.Outputs = resp.Outputs[:len(resp.Outputs)-1]
	}
	return resp, nil
}

func (a *refAdapter) ModelReady(ctx context.Context, m adapters.ModelRef) error {
	call := a.call("ready")
	req, err := jsonhttp.NewRequest(ctx, http.MethodGet, a.endpoint(m, "ready"), nil, "")
	if err != nil {
		return a.fail(call, 0, err)
	}
	if a.mutant == leaksBody {
		resp, err := a.client.Do(req)
		if err != nil {
			return a.fail(call, 0, jsonhttp.TransportError(ctx, err))
		}
		if resp.StatusCode != http.StatusOK {
			return a.fail(call, resp.StatusCode, adapters.ErrUnavailable)
		}
		return nil
	}
	resp, data, err := a.do(call, req)
	switch {
	case err != nil:
		return err
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return call.StatusError(resp, data, adapters.ErrModelNotFound)
	}
	return call.StatusError(resp, data, adapters.ErrUnavailable)
}

func (a *refAdapter) ModelMetadata(ctx context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
	call := a.call("metadata")
	req, err := jsonhttp.NewRequest(ctx, http.MethodGet, a.endpoint(m), nil, "")
	if err != nil {
		return nil, a.fail(call, 0, err)
	}
	resp, data, err := a.do(call, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, a.statusError(call, resp, data)
	}
	var md adapters.ModelMetadata
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, a.fail(call, resp.StatusCode, jsonhttp.Malformed(err))
	}
	return &md, nil
}

// refBackend is the fake backend of the reference protocol.
func refBackend(_ *testing.T, s adaptertest.Scenario) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, op, ok := parseRefPath(r.URL.EscapedPath())
		switch {
		case !ok:
			refError(w, http.StatusNotFound, "no such path")
		case s.Kind == adaptertest.OK && m != s.Model:
			refError(w, http.StatusNotFound, "model "+m.String()+" not found")
		case s.Kind == adaptertest.OK, s.Kind == adaptertest.BadInput && op != "infer":
			refServe(w, r, m, op)
		case s.Kind == adaptertest.ModelNotFound:
			refError(w, http.StatusNotFound, "model "+m.String()+" not found")
		case s.Kind == adaptertest.BadInput:
			refError(w, http.StatusBadRequest, "input x_fp32 has the wrong shape")
		case s.Kind == adaptertest.RateLimited:
			w.Header().Set("Retry-After", "7")
			refError(w, http.StatusTooManyRequests, "too many requests")
		case s.Kind == adaptertest.ServerError:
			refError(w, http.StatusInternalServerError, "internal error in the reference backend, which is long enough")
		case s.Kind == adaptertest.Unavailable:
			refError(w, http.StatusServiceUnavailable, "not ready")
		case s.Kind == adaptertest.MalformedBody:
			_, _ = io.WriteString(w, `{"ID": "x", "Outputs": [{"Name": `)
		case s.Kind == adaptertest.OversizedBody:
			// A valid answer, padded: only a limit can refuse it.
			fmt.Fprintf(w, `{"ID": "x", "Name": "%s", "Pad": "%s"}`, m.Name, strings.Repeat("x", 2*adaptertest.MaxResponseBytes))
		}
	})
}

func parseRefPath(p string) (adapters.ModelRef, string, bool) {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		var err error
		if segs[i], err = url.PathUnescape(s); err != nil {
			return adapters.ModelRef{}, "", false
		}
	}
	if len(segs) < 2 || segs[0] != "models" {
		return adapters.ModelRef{}, "", false
	}
	m := adapters.ModelRef{Name: segs[1]}
	rest := segs[2:]
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

func refServe(w http.ResponseWriter, r *http.Request, m adapters.ModelRef, op string) {
	switch op {
	case "ready":
		w.WriteHeader(http.StatusOK)
	case "metadata":
		_ = json.NewEncoder(w).Encode(adaptertest.Signature(m))
	case "infer":
		refInfer(w, r, m)
	}
}

func refInfer(w http.ResponseWriter, r *http.Request, m adapters.ModelRef) {
	body, _ := io.ReadAll(r.Body)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
		return
	}
	var req refRequest
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
		refError(w, http.StatusBadRequest, err.Error())
		return
	}
	resp := refResponse{ID: req.ID, Model: m.Name, Version: m.Version, Outputs: req.Inputs}
	if req.Outputs != nil {
		resp.Outputs = nil
		for _, name := range req.Outputs {
			for _, in := range req.Inputs {
				if in.Name == name {
					resp.Outputs = append(resp.Outputs, in)
				}
			}
		}
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func refError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// refHarness is the harness of the reference adapter with mutant m.
func refHarness(m mutant) adaptertest.Harness {
	return adaptertest.Harness{
		New:     func(_ *testing.T, cfg adaptertest.Config) adapters.Adapter { return newRef(cfg, m) },
		Backend: refBackend,
		Supports: adaptertest.Features{
			DTypes: []adapters.DType{adapters.Bool, adapters.Uint8, adapters.Uint16, adapters.Uint32, adapters.Uint64,
				adapters.Int8, adapters.Int16, adapters.Int32, adapters.Int64, adapters.FP32, adapters.FP64, adapters.Bytes},
			Raw: true, Metadata: true, Versions: true, RequestedOutputs: true,
		},
	}
}
