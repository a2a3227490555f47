// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// registerV1 sends everything under /v1/ to serveV1, which parses the path
// itself: echo cannot route on a ":predict" suffix inside a segment, and TF
// Serving matches paths case-insensitively (PROTOCOLS.md §1.1).
func (g *Gateway) registerV1(e *echo.Echo) {
	e.Any("/v1/*", g.serveV1)
	e.Any("/V1/*", g.serveV1)
}

// serveV1 dispatches a TF Serving REST request.
func (g *Gateway) serveV1(c echo.Context) error {
	r := c.Request()
	call, err := g.v1.parse(r.Method, r.URL.EscapedPath())
	if err != nil {
		return err
	}
	if call.model == "" {
		return replyf(adapters.ErrInvalidInput, "Missing model name in request.")
	}
	rt, err := g.lookup(call.model)
	if err != nil {
		return err
	}
	c.Set(keyRoute, rt.name) // for the log line and metrics, even when decoding fails
	if call.label != "" {
		// No labels are configurable, so every label is unknown, as on a TF
		// server without version_labels (server_core.cc).
		return replyf(adapters.ErrInvalidInput, "Unrecognized servable version label: %s", call.label)
	}
	switch {
	case r.Method == http.MethodPost && call.verb == "predict":
		return g.predictV1(c, rt, call)
	case r.Method == http.MethodPost:
		return replyf(errors.ErrUnsupported,
			"model %q: :%s is not supported by modelgate; use :predict", rt.name, call.verb)
	case call.verb == "metadata":
		return g.metadataV1(c, rt, call)
	}
	return g.statusV1(c, rt, call)
}

// predictV1 answers POST …:predict: row requests get "predictions",
// columnar ones "outputs" (PROTOCOLS.md §1.2–1.3).
func (g *Gateway) predictV1(c echo.Context, rt *route, call v1Call) error {
	body, err := g.readBody(c)
	if err != nil {
		return err
	}
	x, cancel, err := g.begin(c, rt, call.version)
	if err != nil {
		return err
	}
	defer cancel()
	defer x.finish(c)
	pr, err := v1json.DecodePredictRequestFunc(body, x.signatureFor)
	if err != nil {
		// TF's own message, without the kind prefix the codec adds.
		return invalid(err, strings.TrimPrefix(err.Error(), adapters.ErrInvalidInput.Error()+": "))
	}
	resp, err := x.infer(&adapters.Request{Inputs: pr.Inputs})
	if err != nil {
		return err
	}
	pr.Inputs = nil // for the GC, before the answer is encoded
	out, err := encodeV1(rt.name, x.backend, pr.Format, resp)
	if err != nil {
		return err
	}
	return x.ok(c, out)
}

// encodeV1 renders resp in the request's format. Outputs TF would refuse
// (inconsistent batch sizes in row format) are a 400, as in TF Serving;
// outputs the codec cannot write at all are a 502.
func encodeV1(routeName, backend string, format v1json.Format, resp *adapters.Response) ([]byte, error) {
	if len(resp.Outputs) == 0 && resp.Raw != nil {
		return nil, replyf(adapters.ErrBadUpstream,
			"model %q: backend %q returned an opaque %q payload, which TF Serving JSON cannot carry",
			routeName, backend, resp.Raw.ContentType)
	}
	b, err := v1json.AppendPredictResponse(nil, format, resp.Outputs)
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, adapters.ErrInvalidInput):
		return nil, &reply{msg: err.Error(), err: err}
	}
	return nil, replyf(fmt.Errorf("%w: %w", adapters.ErrBadUpstream, err),
		"model %q: backend %q returned outputs that cannot be written as TF Serving JSON: %v", routeName, backend, err)
}

// statusV1 answers GET /v1/models/{m}[/versions/{v}] in TF's
// GetModelStatusResponse shape (see v1meta.go).
func (g *Gateway) statusV1(c echo.Context, rt *route, call v1Call) error {
	x, cancel, err := g.begin(c, rt, call.version)
	if err != nil {
		return err
	}
	defer cancel()
	defer x.finish(c)
	failed, err := x.ready()
	if err != nil {
		return err
	}
	if allNotFound(failed) {
		if call.version != "" {
			return replyf(failed[0], "Could not find version %s of model %s", call.version, rt.name)
		}
		return replyf(failed[0], "Could not find any versions of model %s", rt.name)
	}
	return x.okJSON(c, modelStatus(x, failed))
}

// allNotFound reports whether every target failed with ErrModelNotFound.
func allNotFound(failed []error) bool {
	for _, err := range failed {
		if !errors.Is(err, adapters.ErrModelNotFound) {
			return false
		}
	}
	return len(failed) > 0
}

// metadataV1 answers GET …/metadata in TF's GetModelMetadataResponse shape.
func (g *Gateway) metadataV1(c echo.Context, rt *route, call v1Call) error {
	x, cancel, err := g.begin(c, rt, call.version)
	if err != nil {
		return err
	}
	defer cancel()
	defer x.finish(c)
	md, err := x.metadata()
	if err != nil {
		return err
	}
	return x.okJSON(c, tfMetadata(rt.name, x.reportedVersion(), md))
}
