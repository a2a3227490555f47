// SPDX-License-Identifier: Apache-2.0

package upstream

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// userAgent is sent when the request has no User-Agent of its own.
const userAgent = "modelgate"

// writeRequest writes req as HTTP/1.1 to w, without flushing. Requests
// with a known body length (or none) and no trailers, which is every
// request modelgate's adapters make, are written here without the
// allocations of http.Request.Write; the rest go to http.Request.Write.
// The body is closed in every case.
func writeRequest(w *bufio.Writer, req *http.Request) error {
	body := req.Body
	if body == http.NoBody {
		body = nil
	}
	if req.Trailer != nil || req.ContentLength < 0 || (req.ContentLength == 0 && body != nil) ||
		len(req.TransferEncoding) > 0 || req.Header["Connection"] != nil || req.Header["Expect"] != nil {
		return writeFallback(w, req)
	}
	if body == nil && req.ContentLength > 0 {
		// "Content-Length: n" and no body would leave the backend waiting
		// for the body and the caller for the answer (http.Request.Write
		// refuses it too).
		closeBody(req)
		return fmt.Errorf("upstream: request ContentLength=%d with no body", req.ContentLength)
	}
	err := writeHead(w, req)
	if err == nil && body != nil {
		// At most ContentLength bytes go on the wire: the excess of a
		// longer body would be read by the backend as the start of another
		// request (request smuggling). limitWriter refuses a write past
		// the length instead of cutting the body, so a body that can write
		// itself (bytes.Reader, through io.WriterTo) still goes out in one
		// piece, which an io.LimitReader would prevent.
		lw := &limitWriter{w: w, n: req.ContentLength}
		var n int64
		n, err = io.Copy(lw, body)
		switch {
		case errors.Is(err, errBodyTooLong):
			err = fmt.Errorf("upstream: request ContentLength=%d with a longer body", req.ContentLength)
		case err == nil && n != req.ContentLength:
			err = fmt.Errorf("upstream: request ContentLength=%d with a body of %d bytes", req.ContentLength, n)
		}
	}
	if body != nil {
		if cerr := body.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// writeFallback writes req with http.Request.Write after the checks
// writeHead makes, which Request.Write does not make or makes differently:
// it writes any method as given (CR and LF included), drops invalid header
// names silently and sends an invalid Host as an empty one. It also sends
// modelgate's User-Agent, not Go's, when the request has none.
func writeFallback(w *bufio.Writer, req *http.Request) error {
	_, _, err := checkHead(req)
	for k := range req.Header {
		if err == nil && !validToken(k) {
			err = fmt.Errorf("upstream: invalid header field name %q", k)
		}
	}
	if err != nil {
		closeBody(req)
		return err
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		r := *req // shallow: the caller's request is not modified
		r.Header = req.Header.Clone()
		if r.Header == nil {
			r.Header = make(http.Header, 1)
		}
		r.Header["User-Agent"] = []string{userAgent}
		req = &r
	}
	return req.Write(w)
}

// checkHead returns the method and Host a request is written with, or why
// it cannot be: a method that is not a token, or a Host that would break
// the request line or the header block.
func checkHead(req *http.Request) (method, host string, err error) {
	method = req.Method
	if method == "" {
		method = http.MethodGet
	}
	host = req.Host
	if host == "" {
		host = req.URL.Host
	}
	switch {
	case !validToken(method):
		return "", "", fmt.Errorf("upstream: invalid method %q", method)
	case strings.ContainsAny(host, " \r\n/"):
		return "", "", fmt.Errorf("upstream: invalid host %q", host)
	}
	return method, host, nil
}

// writeHead writes the request line and the header block.
func writeHead(w *bufio.Writer, req *http.Request) error {
	method, host, err := checkHead(req)
	if err != nil {
		return err
	}
	uri := req.URL.RequestURI()
	if strings.ContainsAny(uri, " \r\n") {
		return fmt.Errorf("upstream: invalid request target %q", uri)
	}
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(uri)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	if _, ok := req.Header["User-Agent"]; !ok {
		w.WriteString("User-Agent: " + userAgent + "\r\n")
	}
	// net/http's rule (transferWriter.shouldSendContentLength), so that a
	// backend gets the same head from modelgate as from a Go client: the
	// length of a body; without one, "Content-Length: 0" with POST, PUT and
	// PATCH only, the methods many servers expect it for. GET, DELETE,
	// OPTIONS and the others go without, as RFC 9110 (8.6) asks when there
	// is no content and the method does not anticipate any. (net/http
	// writes "Content-Length: 0" for those too when Transfer-Encoding is
	// "identity", a request writeFallback writes.)
	if req.ContentLength > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(w.AvailableBuffer(), req.ContentLength, 10))
		w.WriteString("\r\n")
	}
	if req.Close {
		w.WriteString("Connection: close\r\n")
	}
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue // written above from the request's fields, as net/http does
		}
		if !validToken(k) {
			return fmt.Errorf("upstream: invalid header field name %q", k)
		}
		for _, v := range vs {
			w.WriteString(k)
			w.WriteString(": ")
			writeValue(w, v)
			w.WriteString("\r\n")
		}
	}
	_, err = w.WriteString("\r\n")
	return err
}

// writeValue writes a header value with CR and LF turned into spaces and
// surrounding blanks trimmed, as net/http's header writer does, so a value
// can never start a header of its own.
func writeValue(w *bufio.Writer, v string) {
	v = strings.TrimSpace(v)
	if !strings.ContainsAny(v, "\r\n") {
		w.WriteString(v)
		return
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.WriteByte(c)
	}
}

// validToken reports whether s is a non-empty RFC 9110 token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// errBodyTooLong is limitWriter's refusal.
var errBodyTooLong = errors.New("body longer than its Content-Length")

// limitWriter passes on at most n bytes; a write that would go past them
// is refused whole.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errBodyTooLong
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
