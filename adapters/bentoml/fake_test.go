// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
	"github.com/modelgate/modelgate/adapters/jsontext"
)

// fakeBento is a hand-written BentoML 1.4 service with one identity API,
// "echo", routed at /{api}. It reproduces the wire protocol of PROTOCOLS.md
// §4 as bentoml/BentoML@32230a52 behaves:
//
//   - §4.1 routes: POST /{api} only (Starlette answers 405 "Method Not
//     Allowed" in plain text for another method, 404 "Not Found" for an
//     unknown path), GET /readyz (200 "\n", 503 with a plain-text detail),
//     GET /schema.json ({"name", "type": "service", "routes": [{"name",
//     "route", "input", "output", …}]}, validation-mode JSON schemas);
//   - §4.2–4.3 the identity API, def echo(self, x_fp32: Annotated[np.ndarray,
//     DType("float32"), Shape((-1, 2))] = None, **kwargs) -> Output: a JSON
//     object {parameter: value} is answered with the same object (pydantic
//     serialises compactly, numbers verbatim), Content-Type application/json;
//     a raw body of another media type reaches a root-input API and comes
//     back as is, with its Content-Type;
//   - §4.4 errors: 400 {"error": "1 validation error for Input", "detail":
//     [...]}; 429 {"error": "Too many requests"}; 500 and 503 with the
//     generic "An unexpected error has occurred, please check the server
//     log." message.
//
// Scenario "model not found" is a service without the configured API, at
// an address where nothing else exists either: every path is Starlette's
// plain 404 (BentoML's /readyz is service-wide, so only a wrong address or
// path prefix makes it 404). "rate limited" applies to /readyz too, though
// BentoML's own limiter exempts health routes: it models a rate-limiting
// proxy, which is also where the scenario's Retry-After comes from.
type fakeBento struct {
	scenario adaptertest.Scenario
	api      string
}

func (f *fakeBento) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if f.scenario.Kind == adaptertest.ModelNotFound {
		plain(w, http.StatusNotFound, "Not Found")
		return
	}
	switch r.URL.Path {
	case "/" + f.api:
		if r.Method != http.MethodPost {
			plain(w, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
		f.call(w, r, body)
	case "/readyz":
		f.readyz(w)
	case "/schema.json":
		f.schema(w)
	default:
		plain(w, http.StatusNotFound, "Not Found")
	}
}

// call runs the identity API, or fails as the scenario says.
func (f *fakeBento) call(w http.ResponseWriter, r *http.Request, body []byte) {
	switch f.scenario.Kind {
	case adaptertest.BadInput:
		bentoJSON(w, http.StatusBadRequest, map[string]any{
			"error": "1 validation error for Input",
			"detail": []map[string]any{{"type": "float_type", "loc": []any{"x_fp32", 0, 0},
				"msg": "Input should be a valid number"}},
		})
	case adaptertest.MalformedBody:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"x_fp32": [[0.1, `)
	case adaptertest.OversizedBody:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "["+strings.Repeat("0.5,", 2*adaptertest.MaxResponseBytes/4)+"0.5]")
	case adaptertest.OK:
		f.echo(w, r, body)
	default:
		f.failure(w)
	}
}

// failure answers the scenarios every route shares.
func (f *fakeBento) failure(w http.ResponseWriter) {
	switch f.scenario.Kind {
	case adaptertest.RateLimited:
		w.Header().Set("Retry-After", strconv.Itoa(int(adaptertest.RetryAfter.Seconds())))
		bentoJSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
	case adaptertest.ServerError:
		bentoJSON(w, http.StatusInternalServerError, map[string]string{"error": genericError + ", please check the server log."})
	case adaptertest.Unavailable:
		bentoJSON(w, http.StatusServiceUnavailable, map[string]string{"error": genericError + ", please check the server log."})
	default:
		plain(w, http.StatusNotFound, "Not Found")
	}
}

func (f *fakeBento) echo(w http.ResponseWriter, r *http.Request, body []byte) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "" && mt != "application/json" {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		_, _ = w.Write(body)
		return
	}
	var out bytes.Buffer
	if err := json.Compact(&out, body); err != nil || !bytes.HasPrefix(out.Bytes(), []byte("{")) {
		bentoJSON(w, http.StatusBadRequest, map[string]any{"error": "1 validation error for Input",
			"detail": []map[string]any{{"type": "model_type", "loc": []any{}, "msg": "Input should be an object"}}})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out.Bytes())
}

func (f *fakeBento) readyz(w http.ResponseWriter) {
	switch f.scenario.Kind {
	case adaptertest.Unavailable:
		plain(w, http.StatusServiceUnavailable, "Service is not ready because .__is_ready__() returns False.")
	case adaptertest.OK, adaptertest.BadInput, adaptertest.MalformedBody, adaptertest.OversizedBody:
		plain(w, http.StatusOK, "\n")
	default:
		f.failure(w)
	}
}

// schema answers /schema.json for the identity API: its input is the
// kit's signature as a BentoML tensor parameter plus **kwargs, its output a
// pydantic model with one tensor field.
func (f *fakeBento) schema(w http.ResponseWriter) {
	switch f.scenario.Kind {
	case adaptertest.MalformedBody:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"name": "Identity", "routes": [{`)
		return
	case adaptertest.OversizedBody:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"name": "`+strings.Repeat("x", 2*adaptertest.MaxResponseBytes)+`"}`)
		return
	case adaptertest.OK, adaptertest.BadInput:
	default:
		f.failure(w)
		return
	}
	tensor := map[string]any{"type": "tensor", "format": "numpy-array", "dtype": "float32", "shape": []int{-1, 2}, "dim": -2}
	bentoJSON(w, http.StatusOK, map[string]any{
		"name": "Identity", "type": "service",
		"routes": []map[string]any{{
			"name": "echo", "route": "/" + f.api, "batchable": false, "is_task": false,
			"input": map[string]any{"type": "object", "title": "Input",
				"properties": map[string]any{"x_fp32": tensor,
					"kwargs": map[string]any{"type": "object", "additionalProperties": true, "title": "Kwargs"}}},
			"output": map[string]any{"type": "object", "title": "Output", "properties": map[string]any{"y_fp32": tensor},
				"required": []string{"y_fp32"}},
		}},
	})
}

// plain writes a Starlette PlainTextResponse.
func plain(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, text)
}

// bentoJSON writes a Starlette JSONResponse (compact).
func bentoJSON(w http.ResponseWriter, code int, v any) {
	data, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// expectEcho is what an OK request yields through the identity API: each
// input back under its name (the object round trip keeps names), dtypes
// widened by JSON (integers INT64, floats FP64 from their printed digits),
// the requested outputs in request order.
func expectEcho(req *adapters.Request) *adapters.Response {
	resp := &adapters.Response{ID: req.ID, Model: req.Model}
	if req.Raw != nil {
		resp.Raw = &adapters.Payload{ContentType: req.Raw.ContentType, Data: req.Raw.Data}
		return resp
	}
	all := make([]adapters.Tensor, 0, len(req.Inputs))
	for _, in := range req.Inputs {
		all = append(all, widen(in))
	}
	if req.Outputs == nil {
		resp.Outputs = all
		return resp
	}
	for _, o := range req.Outputs {
		for _, t := range all {
			if t.Name == o.Name {
				resp.Outputs = append(resp.Outputs, t)
			}
		}
	}
	return resp
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
