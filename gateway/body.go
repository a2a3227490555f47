// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// readBody reads the request body, capped at MaxBodyBytes (413 beyond it).
func (g *Gateway) readBody(c echo.Context) ([]byte, error) {
	r := c.Request()
	limit := g.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	if err := checkEncoding(r.Header.Get(echo.HeaderContentEncoding)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(c.Response().Writer, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return buf.Bytes(), nil
	case errors.As(err, &tooLarge):
		return nil, err
	case r.Context().Err() != nil:
		return nil, replyf(r.Context().Err(), "the client closed the request while sending the body")
	}
	return nil, replyf(adapters.ErrInvalidInput, "reading the request body: %v", err)
}

// checkEncoding rejects compressed request bodies, which are not decoded.
func checkEncoding(enc string) error {
	if enc == "" || strings.EqualFold(enc, "identity") {
		return nil
	}
	return replyf(errUnsupportedMediaType,
		"unsupported Content-Encoding %q: send the request body uncompressed", enc)
}

// checkJSONType accepts the media types JSON inference requests arrive with:
// none, application/json, any +json type, text/plain and
// application/x-www-form-urlencoded (what curl -d sends). Anything else,
// such as application/octet-stream for the OIP binary tensor extension
// (not implemented), is 415.
func checkJSONType(contentType string) error {
	if contentType == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return replyf(errUnsupportedMediaType, "malformed Content-Type %q: %v", contentType, err)
	}
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"), mt == "text/plain",
		mt == "application/x-www-form-urlencoded":
		return nil
	case mt == "application/octet-stream":
		return replyf(errUnsupportedMediaType,
			"unsupported Content-Type %q: the binary tensor data extension is not implemented; send JSON", mt)
	}
	return replyf(errUnsupportedMediaType, "unsupported Content-Type %q: send application/json", mt)
}
