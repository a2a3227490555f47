// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// fakeTS is a hand-written TorchServe 0.12 serving one model with an
// identity handler. It reproduces the wire protocol of PROTOCOLS.md §2 as
// pytorch/serve@62c4d6a1 behaves, with the inference and management APIs
// on one address (TorchServe's ConnectorType.ALL, when both addresses are
// configured the same):
//
//   - §2.1 routes: GET /ping ({"status": "Healthy"} or 500
//     {"status": "Unhealthy"}), POST or PUT /predictions/{m}[/{v}], GET
//     /models/{m}[/{v}] (a JSON array of describe objects with workers[].
//     status); the path is split on "/" after decoding, as Netty's
//     QueryStringDecoder does; anything else is 404 "Requested resource is
//     not found, please refer to API document.";
//   - §2.5 token authorization when keys are set: a missing or wrong
//     "Authorization: Bearer" is 400 InvalidKeyException;
//   - §2.2–2.3 the identity handler: a JSON body (application/json, which
//     the Python worker decodes) is returned as json.dumps(indent=2) writes
//     it, WITHOUT a Content-Type, numbers verbatim (Python keeps ints exact
//     and prints floats shortest-round-trip); with the JSON envelope
//     (service_envelope=json) {"instances": rows} is answered
//     {"predictions": rows}; any other body is returned as bytes, the
//     handler setting the request's Content-Type on the answer
//     (context.set_response_content_type);
//   - §2.4 errors: {"code", "type", "message"} Gson-pretty-printed with a
//     trailing newline, Content-Type application/json and Connection: close
//     on every status ≥ 400; 404 "Model not found: m" or "Model version: v
//     does not exist for model: m"; the frontend's 503 "has no worker";
//     worker-originated errors as InternalServerException with the
//     handler's code (a PredictionException for 400, 429 and 500).
type fakeTS struct {
	scenario  adaptertest.Scenario
	instances bool   // the handler uses TorchServe's JSON envelope
	token     string // inference key, if token authorization is on
	mgmtToken string // management key
}

func (f *fakeTS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(seg) == 1 && seg[0] == "ping" && r.Method == http.MethodGet:
		if f.authorized(w, r, f.token) {
			f.ping(w)
		}
	case len(seg) >= 2 && len(seg) <= 3 && seg[0] == "predictions":
		if f.authorized(w, r, f.token) && f.known(w, seg[1:]) {
			f.predict(w, r, body)
		}
	case len(seg) >= 2 && len(seg) <= 3 && seg[0] == "models" && r.Method == http.MethodGet:
		if f.authorized(w, r, f.mgmtToken) && f.known(w, seg[1:]) {
			f.describe(w, seg[1:])
		}
	default:
		tsError(w, http.StatusNotFound, "ResourceNotFoundException",
			"Requested resource is not found, please refer to API document.")
	}
}

// authorized applies TorchServe's token check (TokenAuthorizationHandler).
func (f *fakeTS) authorized(w http.ResponseWriter, r *http.Request, key string) bool {
	if key == "" || r.Header.Get("Authorization") == "Bearer "+key {
		return true
	}
	tsError(w, http.StatusBadRequest, "InvalidKeyException",
		"Token Authorization failed. Token either incorrect, expired, or not provided correctly")
	return false
}

// known answers 404 unless the path names the scenario's model (and
// version), as ModelManager.getModel does.
func (f *fakeTS) known(w http.ResponseWriter, ref []string) bool {
	m := f.scenario.Model
	switch {
	case f.scenario.Kind == adaptertest.ModelNotFound || ref[0] != m.Name:
		tsError(w, http.StatusNotFound, "ModelNotFoundException", "Model not found: "+ref[0])
	case len(ref) == 2 && ref[1] != m.Version:
		tsError(w, http.StatusNotFound, "ModelVersionNotFoundException",
			fmt.Sprintf("Model version: %s does not exist for model: %s", ref[1], ref[0]))
	default:
		return true
	}
	return false
}

func (f *fakeTS) ping(w http.ResponseWriter) {
	switch f.scenario.Kind {
	case adaptertest.Unavailable, adaptertest.ServerError:
		tsJSON(w, http.StatusInternalServerError, map[string]string{"status": "Unhealthy"})
	case adaptertest.RateLimited:
		rateLimited(w)
	default:
		tsJSON(w, http.StatusOK, map[string]string{"status": "Healthy"})
	}
}

// describe answers the management API's describe call.
func (f *fakeTS) describe(w http.ResponseWriter, ref []string) {
	status := "READY"
	switch f.scenario.Kind {
	case adaptertest.Unavailable:
		status = "UNLOADING"
	case adaptertest.ServerError:
		tsError(w, http.StatusInternalServerError, "InternalServerException", "Failed to describe model")
		return
	case adaptertest.RateLimited:
		rateLimited(w)
		return
	}
	version := f.scenario.Model.Version
	if len(ref) == 2 {
		version = ref[1]
	}
	tsJSON(w, http.StatusOK, []map[string]any{{
		"modelName": ref[0], "modelVersion": version, "modelUrl": ref[0] + ".mar",
		"runtime": "python", "minWorkers": 1, "maxWorkers": 1, "batchSize": 1, "maxBatchDelay": 100,
		"workers":        []map[string]any{{"id": "9000", "status": status, "memoryUsage": 89247744, "pid": 4242, "gpu": false}},
		"jobQueueStatus": map[string]int{"remainingCapacity": 100, "pendingRequests": 0},
	}})
}

// predict runs the identity handler, or fails as the scenario says.
func (f *fakeTS) predict(w http.ResponseWriter, r *http.Request, body []byte) {
	switch f.scenario.Kind {
	case adaptertest.BadInput:
		tsError(w, http.StatusBadRequest, "InternalServerException", "Input is not a list of floats")
	case adaptertest.RateLimited:
		rateLimited(w)
	case adaptertest.ServerError:
		tsError(w, http.StatusInternalServerError, "InternalServerException", "Handler raised PredictionException")
	case adaptertest.Unavailable:
		tsError(w, http.StatusServiceUnavailable, "ServiceUnavailableException",
			`Model "`+f.scenario.Model.Name+`" has no worker to serve inference request. Please use scale workers API to add workers.`)
	case adaptertest.MalformedBody:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"predictions": [1.0, 2.`)
	case adaptertest.OversizedBody:
		w.Header()["Content-Type"] = nil
		big := "[" + strings.Repeat("0.5, ", 2*adaptertest.MaxResponseBytes/5) + "0.5]"
		_, _ = io.WriteString(w, big)
	default:
		f.identity(w, r, body)
	}
}

// identity answers what the identity handler returns.
func (f *fakeTS) identity(w http.ResponseWriter, r *http.Request, body []byte) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		_, _ = w.Write(body)
		return
	}
	if f.instances {
		var env struct {
			Instances json.RawMessage `json:"instances"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Instances == nil {
			tsError(w, http.StatusServiceUnavailable, "InternalServerException", "Prediction failed")
			return
		}
		body = []byte(`{"predictions": ` + string(env.Instances) + `}`)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		tsError(w, http.StatusServiceUnavailable, "InternalServerException", "Prediction failed")
		return
	}
	w.Header()["Content-Type"] = nil // TorchServe sets none; no sniffing
	_, _ = w.Write(out.Bytes())
}

// rateLimited is a handler's 429 (PredictionException with code 429 and a
// Retry-After header set through the context).
func rateLimited(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(int(adaptertest.RetryAfter.Seconds())))
	tsError(w, http.StatusTooManyRequests, "InternalServerException", "Too many requests, slow down")
}

// tsError writes TorchServe's ErrorResponse.
func tsError(w http.ResponseWriter, code int, typ, msg string) {
	tsJSON(w, code, map[string]any{"code": code, "type": typ, "message": msg})
}

// tsJSON writes v as Gson's pretty printer does, closing the connection on
// errors as NettyUtils.sendHttpResponse does.
func tsJSON(w http.ResponseWriter, code int, v any) {
	data, _ := json.MarshalIndent(v, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	if code >= 400 {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

// expectJSON is what an OK request yields through the identity handler: the
// JSON round trip widens dtypes as TorchServe's Python side and the
// adapter's inference do (integers INT64; floats FP64 from their printed
// digits; BOOL and BYTES kept), a single input comes back unnamed, and the
// adapter keeps the requested outputs in the request's order.
func expectJSON(names []string) func(req *adapters.Request) *adapters.Response {
	return func(req *adapters.Request) *adapters.Response {
		resp := &adapters.Response{ID: req.ID, Model: req.Model}
		if req.Raw != nil {
			resp.Raw = &adapters.Payload{ContentType: req.Raw.ContentType, Data: req.Raw.Data}
			return resp
		}
		for i, in := range req.Inputs {
			out := widen(in)
			if len(req.Inputs) == 1 {
				out.Name = outputName(names, i)
			}
			resp.Outputs = append(resp.Outputs, out)
		}
		if req.Outputs != nil {
			all := resp.Outputs
			resp.Outputs = nil
			for _, o := range req.Outputs {
				for _, t := range all {
					if t.Name == o.Name {
						resp.Outputs = append(resp.Outputs, t)
					}
				}
			}
		}
		return resp
	}
}

// widen returns t as it comes back from a JSON round trip.
func widen(t adapters.Tensor) adapters.Tensor {
	out := adapters.Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape}
	d := &t.Data
	switch t.DType {
	case adapters.Int8, adapters.Int16, adapters.Int32:
		out.DType = adapters.Int64
		for _, v := range d.Int32 {
			out.Data.Int64 = append(out.Data.Int64, int64(v))
		}
	case adapters.Uint8, adapters.Uint16, adapters.Uint32:
		out.DType = adapters.Int64
		for _, v := range d.Uint32 {
			out.Data.Int64 = append(out.Data.Int64, int64(v))
		}
	case adapters.FP32:
		out.DType = adapters.FP64
		for _, v := range d.FP32 {
			// The adapter writes FP32 as TF Serving does (jsontext), the
			// backend echoes the digits, the adapter reads them as FP64.
			f, _ := strconv.ParseFloat(string(jsontext.AppendFloat32(nil, v, true)), 64)
			out.Data.FP64 = append(out.Data.FP64, f)
		}
	default:
		out.Data = t.Clone().Data
	}
	return out
}
