// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// serverName is reported by GET /v2.
const serverName = "modelgate"

// registerV2 adds the Open Inference Protocol v2 REST endpoints
// (PROTOCOLS.md §6.1).
func (g *Gateway) registerV2(e *echo.Echo) {
	e.GET("/v2/health/live", g.live)
	e.GET("/v2/health/ready", g.ready)
	e.GET("/v2", g.serverMetadata)
	for _, p := range [...]string{"/v2/models/:model", "/v2/models/:model/versions/:version"} {
		e.GET(p, g.modelMetadata)
		e.GET(p+"/ready", g.modelReady)
		e.POST(p+"/infer", g.infer)
	}
	e.POST("/v2/repository/index", g.repositoryIndex)
}

// live answers {"live": true} while the process serves.
func (g *Gateway) live(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]bool{"live": true})
}

// ready answers {"ready": true}, or 503 while draining. Backend health does
// not enter into it: per-model readiness is GET /v2/models/{m}/ready.
func (g *Gateway) ready(c echo.Context) error {
	if g.Draining() {
		return replyf(adapters.ErrUnavailable, "modelgate is shutting down and takes no new requests")
	}
	return writeJSON(c, http.StatusOK, map[string]bool{"ready": true})
}

// serverMetadata answers GET /v2. Of the OIP extensions only "parameters"
// is implemented in full; the repository index is served but
// "model_repository" is not claimed, as load and unload are not.
func (g *Gateway) serverMetadata(c echo.Context) error {
	return writeJSON(c, http.StatusOK, struct {
		Name       string   `json:"name"`
		Version    string   `json:"version"`
		Extensions []string `json:"extensions"`
	}{serverName, g.opts.Version, []string{"parameters", "binary_tensor_data"}})
}

// lookupV2 resolves the :model and :version path parameters.
func (g *Gateway) lookupV2(c echo.Context) (*route, string, error) {
	name, err := url.PathUnescape(c.Param("model"))
	if err != nil {
		return nil, "", replyf(adapters.ErrInvalidInput, "malformed model name %q in path: %v", c.Param("model"), err)
	}
	version, err := url.PathUnescape(c.Param("version"))
	if err != nil {
		return nil, "", replyf(adapters.ErrInvalidInput, "malformed version %q in path: %v", c.Param("version"), err)
	}
	rt, err := g.lookup(name)
	if err == nil {
		c.Set(keyRoute, rt.name) // for the log line and metrics, even when decoding fails
	}
	return rt, version, err
}

// modelMetadata answers GET /v2/models/{m}[/versions/{v}] with the first
// answering target's metadata under the route's name.
func (g *Gateway) modelMetadata(c echo.Context) error {
	rt, version, err := g.lookupV2(c)
	if err != nil {
		return err
	}
	x, cancel, err := g.begin(c, rt, version)
	if err != nil {
		return err
	}
	defer cancel()
	defer x.finish(c)
	md, err := x.metadata()
	if err != nil {
		return err
	}
	out := *md
	out.Name = rt.name
	return x.ok(c, adapters.AppendMetadata(nil, &out))
}

// modelReady answers GET /v2/models/{m}[/versions/{v}]/ready: 200 when any
// target can serve, 503 when none can.
func (g *Gateway) modelReady(c echo.Context) error {
	rt, version, err := g.lookupV2(c)
	if err != nil {
		return err
	}
	x, cancel, err := g.begin(c, rt, version)
	if err != nil {
		return err
	}
	defer cancel()
	defer x.finish(c)
	failed, err := x.ready()
	switch {
	case err != nil:
		return err
	case failed != nil:
		return x.notReady(failed)
	}
	return x.okJSON(c, struct {
		Name  string `json:"name"`
		Ready bool   `json:"ready"`
	}{rt.name, true})
}

// infer answers POST /v2/models/{m}[/versions/{v}]/infer, in JSON or in
// the binary tensor data extension (PROTOCOLS.md §6.4).
func (g *Gateway) infer(c echo.Context) error {
	rt, version, err := g.lookupV2(c)
	if err != nil {
		return err
	}
	jsonLen, binaryIn, err := inferenceHeaderLength(c.Request().Header)
	if err != nil {
		return err
	}
	if !binaryIn {
		if err := checkJSONType(c.Request().Header.Get(echo.HeaderContentType)); err != nil {
			return err
		}
	}
	body, pooled, err := g.readPooledBody(c)
	if err != nil {
		return err
	}
	if pooled != nil {
		// The buffer is reused once this handler and every upstream body
		// reading it are done.
		defer pooled.drop()
	}
	req, binaryOut, err := decodeV2(rt, body, jsonLen, binaryIn)
	if err != nil {
		return invalid(err, fmt.Sprintf("model %q: %v", rt.name, err))
	}
	if req.Source != nil && pooled != nil {
		req.SourceHold = pooled.hold
	}
	// The answer goes out as OIP too: OIP backends may return their
	// outputs as written, unless some go out in binary.
	req.AcceptOIPOutputs = binaryOut == nil
	x, cancel, err := g.begin(c, rt, version)
	if err != nil {
		return err
	}
	defer cancel()
	defer x.finish(c)
	resp, err := x.infer(req)
	if err != nil {
		return err
	}
	// The answer is in: let the GC have the request's tensors and body
	// (unless pooled) before the answer is encoded.
	req.Inputs, req.Source = nil, nil
	out, bin, err := encodeV2(rt.name, version, x.backend, req, resp, binaryOut)
	switch {
	case err != nil:
		return err
	case resp.OIPOutputs != nil:
		// out is the head: the backend's outputs follow as they came,
		// without copying them into one body.
		return x.okOutputs(c, out, resp.OIPOutputs)
	case len(bin) > 0:
		return x.okBinary(c, out, bin)
	}
	return x.ok(c, out)
}

// inferenceHeaderLength reads the binary extension's
// Inference-Header-Content-Length: the length of the JSON that binary
// tensor data follows, and whether there is one.
func inferenceHeaderLength(h http.Header) (int, bool, error) {
	v, ok := h[adapters.HeaderInferenceHeaderLength]
	if !ok {
		return 0, false, nil
	}
	if len(v) != 1 {
		return 0, false, replyf(adapters.ErrInvalidInput, "%s: given %d times, want once",
			adapters.HeaderInferenceHeaderLength, len(v))
	}
	n, err := strconv.Atoi(strings.TrimSpace(v[0]))
	if err != nil || n < 0 {
		return 0, false, replyf(adapters.ErrInvalidInput, "%s: %q is not a byte count",
			adapters.HeaderInferenceHeaderLength, v[0])
	}
	return n, true, nil
}

// decodeV2 decodes or checks an infer body, and returns which outputs the
// client wants in binary (nil: none asked for). A JSON body that nothing
// changes becomes the request's Source: OIP backends may forward it
// instead of re-encoding, and when all of the route's do, its data is
// checked but not decoded. A body with binary data, or one asking for
// binary outputs, cannot be forwarded: its data is decoded, and the
// binary_data parameters, which are about this answer and not for the
// model, are removed.
func decodeV2(rt *route, body []byte, jsonLen int, binaryIn bool) (*adapters.Request, func(string) bool, error) {
	var req *adapters.Request
	var err error
	switch {
	case binaryIn:
		req, err = adapters.DecodeRequestBinary(body, jsonLen)
	case rt.scan:
		req, err = adapters.ScanRequest(body)
	default:
		req, err = adapters.DecodeRequest(body)
		if err == nil {
			req.Source = body
		}
	}
	if err != nil || !adapters.AsksBinary(req) {
		return req, nil, err
	}
	if req.Source != nil && rt.scan {
		// Scanned: the data is needed now.
		if req, err = adapters.DecodeRequest(body); err != nil {
			return nil, nil, err
		}
	}
	binaryOut := adapters.BinaryOutputs(req)
	adapters.StripBinaryParams(req)
	return req, binaryOut, nil
}

// encodeV2 renders resp as OIP JSON under the route's name, echoing the
// request ID. When resp carries its outputs as written (OIPOutputs), it
// renders only the head, up to `"outputs":`; the caller writes the outputs
// and the closing brace. Outputs for which binaryOut is true go as binary
// tensor data, returned in bin.
func encodeV2(routeName, version, backend string, req *adapters.Request, resp *adapters.Response,
	binaryOut func(string) bool) (out, bin []byte, err error) {
	if len(resp.Outputs) == 0 && resp.Raw != nil {
		return nil, nil, replyf(adapters.ErrBadUpstream,
			"model %q: backend %q returned an opaque %q payload, which OIP JSON cannot carry",
			routeName, backend, resp.Raw.ContentType)
	}
	r := *resp
	r.ID = req.ID
	r.Model = adapters.ModelRef{Name: routeName, Version: resp.Model.Version}
	if r.Model.Version == "" {
		r.Model.Version = version
	}
	switch {
	case binaryOut != nil && r.OIPOutputs == nil:
		out, bin, err = adapters.AppendResponseBinary(nil, &r, binaryOut)
	case r.OIPOutputs != nil:
		out, err = adapters.AppendResponseHead(nil, &r)
	default:
		out, err = adapters.AppendResponse(nil, &r)
	}
	if err != nil {
		return nil, nil, replyf(fmt.Errorf("%w: %w", adapters.ErrBadUpstream, err),
			"model %q: backend %q returned outputs that cannot be written as OIP JSON: %v", routeName, backend, err)
	}
	return out, bin, nil
}

// invalid is a 400 with msg; cause is the codec's error, kept for the log
// and made to wrap ErrInvalidInput if it does not.
func invalid(cause error, msg string) error {
	if !errors.Is(cause, adapters.ErrInvalidInput) {
		cause = fmt.Errorf("%w: %w", adapters.ErrInvalidInput, cause)
	}
	return &reply{msg: msg, err: cause}
}

// writeJSON writes v as compact JSON.
func writeJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	return c.Blob(status, echo.MIMEApplicationJSON, b)
}

// indexEntry is one model in the repository index.
type indexEntry struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// repositoryIndex answers POST /v2/repository/index: every route with its
// readiness, checked concurrently (see index.go). The optional body
// {"ready": true} lists only ready models, as in Triton.
func (g *Gateway) repositoryIndex(c echo.Context) error {
	body, err := g.readBody(c)
	if err != nil {
		return err
	}
	var filter struct {
		Ready bool `json:"ready"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &filter); err != nil {
			return replyf(adapters.ErrInvalidInput, "invalid repository index request: %v", err)
		}
	}
	entries := g.index(c.Request().Context())
	out := make([]indexEntry, 0, len(entries))
	for _, e := range entries {
		if !filter.Ready || e.State == stateReady {
			out = append(out, e)
		}
	}
	return writeJSON(c, http.StatusOK, out)
}
