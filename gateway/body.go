// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// readBody reads the request body, capped at MaxBodyBytes (413 beyond it).
func (g *Gateway) readBody(c echo.Context) ([]byte, error) {
	data, _, err := g.readBodyFrom(c, nil)
	return data, err
}

// readPooledBody is readBody reading a large body into a buffer from the
// gateway's pool, returned with it (nil for a small body): the caller
// drops it once done with the body, and passes its holds on to whatever
// reads the body after that (adapters.Request.SourceHold).
func (g *Gateway) readPooledBody(c echo.Context) ([]byte, *bodyBuf, error) {
	return g.readBodyFrom(c, &g.bodies)
}

// readBodyFrom reads the body, into a buffer from pool when it is not nil
// and the body is large.
func (g *Gateway) readBodyFrom(c echo.Context, pool *bodyPool) (_ []byte, pooled *bodyBuf, _ error) {
	r := c.Request()
	limit := g.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, nil, &http.MaxBytesError{Limit: limit}
	}
	if err := checkEncoding(r.Header.Get(echo.HeaderContentEncoding)); err != nil {
		return nil, nil, err
	}
	body := http.MaxBytesReader(c.Response().Writer, r.Body, limit)
	var data []byte
	var err error
	if r.ContentLength > 0 {
		// net/http ends the body at Content-Length: one exact allocation.
		// (bytes.Buffer.ReadFrom would double a buffer sized to the body
		// for its final read, which for a 10 MB tensor is 20 MB more.)
		if pool != nil && r.ContentLength <= int64(maxPooledBody) {
			pooled = pool.get(int(r.ContentLength))
		}
		if pooled != nil {
			data = pooled.data
		} else {
			data = make([]byte, r.ContentLength)
		}
		_, err = io.ReadFull(body, data)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = fmt.Errorf("the body ended before its Content-Length: %w", err)
		}
	} else {
		var buf bytes.Buffer
		_, err = buf.ReadFrom(body)
		data = buf.Bytes()
	}
	if err == nil {
		return data, pooled, nil
	}
	if pooled != nil {
		pooled.drop()
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, nil, err
	case r.Context().Err() != nil:
		return nil, nil, replyf(r.Context().Err(), "the client closed the request while sending the body")
	}
	return nil, nil, replyf(adapters.ErrInvalidInput, "reading the request body: %v", err)
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
// such as application/octet-stream without the binary tensor extension's
// Inference-Header-Content-Length (v2 infer checks that header first), is
// 415.
func checkJSONType(contentType string) error {
	switch contentType {
	case "", "application/json", "application/json; charset=utf-8":
		return nil // the common cases, without ParseMediaType's allocations
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
			"unsupported Content-Type %q without an %s header: send JSON, or binary tensor data after JSON of that length",
			mt, adapters.HeaderInferenceHeaderLength)
	}
	return replyf(errUnsupportedMediaType, "unsupported Content-Type %q: send application/json", mt)
}
