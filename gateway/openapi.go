// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument is the OpenAPI 3.0.3 description of the HTTP API,
// written by hand next to the handlers it describes; openapi_test.go fails
// when the two drift apart.
//
//go:embed openapi.json
var openAPIDocument []byte

// registerOpenAPI serves the document at GET /openapi.json. It is rendered
// once, here, so that serving it costs one write.
func (g *Gateway) registerOpenAPI(e *echo.Echo) {
	doc, err := renderOpenAPI(openAPIDocument, g.opts.Version)
	if err != nil {
		// The document is compiled in and the tests load it, so this is a
		// build defect, as a bad expression in regexp.MustCompile is.
		panic(err)
	}
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
	})
}

// renderOpenAPI returns doc with info.version set to version, the
// gateway's (Options.Version), so that clients see which release the
// description belongs to. Only the top-level members and info are decoded:
// the rest passes through as written, compacted.
func renderOpenAPI(doc []byte, version string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("gateway: openapi.json: %w", err)
	}
	var info map[string]any
	if err := json.Unmarshal(top["info"], &info); err != nil {
		return nil, fmt.Errorf("gateway: openapi.json: info: %w", err)
	}
	if info == nil {
		return nil, errors.New("gateway: openapi.json: info: not an object")
	}
	info["version"] = version
	var err error
	if top["info"], err = marshalText(info); err != nil {
		return nil, err
	}
	return marshalText(top)
}

// marshalText is json.Marshal without HTML escaping: the document is
// served as JSON, never embedded in HTML, and its descriptions should read
// "<label>", not "\u003clabel\u003e".
func marshalText(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("gateway: openapi.json: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
