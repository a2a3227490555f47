// SPDX-License-Identifier: Apache-2.0

package upstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// splitRaw splits the exact bytes of a request into its request line, its
// header lines (sorted: the order of Header's map is random) and its body.
func splitRaw(t *testing.T, raw []byte) (line string, headers []string, body string) {
	t.Helper()
	head, body, found := strings.Cut(string(raw), "\r\n\r\n")
	if !found {
		t.Fatalf("no end of header block in %q", raw)
	}
	lines := strings.Split(head, "\r\n")
	headers = lines[1:]
	slices.Sort(headers)
	return lines[0], headers, body
}

// lengthless hides the length of a reader from http.NewRequest, so that the
// request's ContentLength is unknown (-1 once set) or 0 with a body.
type lengthless struct{ io.Reader }

// TestWriteRequestBytes checks the exact bytes written for the requests
// modelgate's adapters make (written by writeHead) and for those handed to
// http.Request.Write.
func TestWriteRequestBytes(t *testing.T) {
	const jsonBody = `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}`
	tests := []struct {
		name      string
		method    string
		path      string
		body      io.Reader
		setup     func(*http.Request)
		wantLine  string
		wantHdrs  []string // sorted; {host} is replaced by the server's host
		wantBody  string
		wantOrder []string // header lines that must appear in this order
	}{
		{
			name:   "POST with query, escaped segment and headers",
			method: http.MethodPost,
			path:   "/v2/models/a%2Fb/versions/1/infer?x=1&y=a+b&z=%2F",
			body:   strings.NewReader(jsonBody),
			setup: func(r *http.Request) {
				r.Header.Set("Content-Type", "application/json")
				r.Header.Add("X-Custom", "first")
				r.Header.Add("X-Custom", "second")
			},
			wantLine: "POST /v2/models/a%2Fb/versions/1/infer?x=1&y=a+b&z=%2F HTTP/1.1",
			wantHdrs: []string{
				"Content-Length: " + strconv.Itoa(len(jsonBody)), "Content-Type: application/json", "Host: {host}",
				"User-Agent: modelgate", "X-Custom: first", "X-Custom: second",
			},
			wantBody:  jsonBody,
			wantOrder: []string{"X-Custom: first", "X-Custom: second"},
		},
		{
			name:     "GET without body has no Content-Length",
			method:   http.MethodGet,
			path:     "/v2/health/ready",
			wantLine: "GET /v2/health/ready HTTP/1.1",
			wantHdrs: []string{"Host: {host}", "User-Agent: modelgate"},
		},
		{
			name:     "empty method is GET",
			method:   "",
			path:     "/x",
			wantLine: "GET /x HTTP/1.1",
			wantHdrs: []string{"Host: {host}", "User-Agent: modelgate"},
		},
		{
			name:     "POST with nil body sends Content-Length 0",
			method:   http.MethodPost,
			path:     "/empty",
			wantLine: "POST /empty HTTP/1.1",
			wantHdrs: []string{"Content-Length: 0", "Host: {host}", "User-Agent: modelgate"},
		},
		{
			name:     "POST with NoBody sends Content-Length 0",
			method:   http.MethodPost,
			path:     "/empty",
			body:     http.NoBody,
			wantLine: "POST /empty HTTP/1.1",
			wantHdrs: []string{"Content-Length: 0", "Host: {host}", "User-Agent: modelgate"},
		},
		{
			// http.Request.Write writes a body of unknown length chunked,
			// even an empty one.
			name:     "POST with an empty body of unknown length is chunked",
			method:   http.MethodPost,
			path:     "/empty",
			body:     lengthless{strings.NewReader("")},
			setup:    func(r *http.Request) { r.ContentLength = 0 },
			wantLine: "POST /empty HTTP/1.1",
			wantHdrs: []string{"Host: {host}", "Transfer-Encoding: chunked", "User-Agent: modelgate"},
			wantBody: "0\r\n\r\n",
		},
		{
			name:     "HEAD has no Content-Length",
			method:   http.MethodHead,
			path:     "/h",
			wantLine: "HEAD /h HTTP/1.1",
			wantHdrs: []string{"Host: {host}", "User-Agent: modelgate"},
		},
		{
			name:     "caller's User-Agent and Host are kept",
			method:   http.MethodPut,
			path:     "/u",
			body:     strings.NewReader("abc"),
			setup:    func(r *http.Request) { r.Header.Set("User-Agent", "caller/1.0"); r.Host = "backend.example:8080" },
			wantLine: "PUT /u HTTP/1.1",
			wantHdrs: []string{"Content-Length: 3", "Host: backend.example:8080", "User-Agent: caller/1.0"},
			wantBody: "abc",
		},
		{
			name:   "Host, Content-Length and Transfer-Encoding in Header are ignored",
			method: http.MethodPost,
			path:   "/p",
			body:   strings.NewReader("abcd"),
			setup: func(r *http.Request) {
				r.Header.Set("Host", "evil.example")
				r.Header.Set("Content-Length", "99")
				r.Header.Set("Transfer-Encoding", "chunked")
			},
			wantLine: "POST /p HTTP/1.1",
			wantHdrs: []string{"Content-Length: 4", "Host: {host}", "User-Agent: modelgate"},
			wantBody: "abcd",
		},
		{
			name:     "req.Close writes Connection: close",
			method:   http.MethodGet,
			path:     "/c",
			setup:    func(r *http.Request) { r.Close = true },
			wantLine: "GET /c HTTP/1.1",
			wantHdrs: []string{"Connection: close", "Host: {host}", "User-Agent: modelgate"},
		},
		{
			name:     "body of unknown length is chunked, with the default User-Agent",
			method:   http.MethodPost,
			path:     "/chunked",
			body:     lengthless{strings.NewReader("hello, chunks")},
			wantLine: "POST /chunked HTTP/1.1",
			wantHdrs: []string{"Host: {host}", "Transfer-Encoding: chunked", "User-Agent: modelgate"},
			wantBody: "d\r\nhello, chunks\r\n0\r\n\r\n",
		},
		{
			name:     "Connection header: written by http.Request.Write, default User-Agent",
			method:   http.MethodPost,
			path:     "/conn",
			body:     strings.NewReader("xyz"),
			setup:    func(r *http.Request) { r.Header.Set("Connection", "keep-alive") },
			wantLine: "POST /conn HTTP/1.1",
			wantHdrs: []string{"Connection: keep-alive", "Content-Length: 3", "Host: {host}", "User-Agent: modelgate"},
			wantBody: "xyz",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, answerOK)
			tr := New(Options{})
			req := newRequest(t, context.Background(), http.MethodGet, srv.URL+tt.path, tt.body)
			req.Method = tt.method
			if tt.setup != nil {
				tt.setup(req)
			}
			roundTrip(t, tr, req)
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1", len(reqs))
			}
			line, hdrs, body := splitRaw(t, reqs[0].Raw)
			if line != tt.wantLine {
				t.Errorf("request line %q, want %q", line, tt.wantLine)
			}
			want := slices.Clone(tt.wantHdrs)
			for i, h := range want {
				want[i] = strings.ReplaceAll(h, "{host}", srv.Host)
			}
			if diff := cmp.Diff(want, hdrs); diff != "" {
				t.Errorf("header lines (-want +got):\n%s\nraw request: %q", diff, reqs[0].Raw)
			}
			if body != tt.wantBody {
				t.Errorf("body bytes %q, want %q", body, tt.wantBody)
			}
			if len(tt.wantOrder) > 0 {
				raw := string(reqs[0].Raw)
				prev := -1
				for _, h := range tt.wantOrder {
					i := strings.Index(raw, h)
					if i < prev {
						t.Errorf("%q is out of order in %q", h, raw)
					}
					prev = i
				}
			}
		})
	}
}

// TestWriteRequestLargeHeader checks a header block larger than the write
// buffer is written whole.
func TestWriteRequestLargeHeader(t *testing.T) {
	srv := newRawServer(t, answerOK)
	tr := New(Options{})
	req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/big", strings.NewReader("b"))
	big := strings.Repeat("v", 3*bufferSize)
	req.Header.Set("X-Big", big)
	roundTrip(t, tr, req)
	reqs := srv.requests()
	if len(reqs) != 1 || reqs[0].Header.Get("X-Big") != big || string(reqs[0].Body) != "b" {
		t.Fatalf("the server did not get the large header and the body intact")
	}
}

// TestWriteRequestNoHeaderInjection checks that CR and LF in header values
// cannot start a header (or a request) of their own, on both write paths.
func TestWriteRequestNoHeaderInjection(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		name := "writeHead"
		if fallback {
			name = "http.Request.Write"
		}
		t.Run(name, func(t *testing.T) {
			srv := newRawServer(t, answerOK)
			tr := New(Options{})
			req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/inject", strings.NewReader("body"))
			req.Header.Set("X-Evil", "a\r\nInjected: yes")
			req.Header.Set("X-Evil-Lf", "b\nX-Other: 1\n\nGET /smuggled HTTP/1.1")
			req.Header.Set("X-Evil-Cr", "c\rX-Cr: 1")
			req.Header.Set("X-Padded", "  padded value \t")
			req.Header.Set("User-Agent", "ua\r\nX-Ua-Injected: 1")
			if fallback {
				req.Header.Set("Connection", "keep-alive")
			}
			roundTrip(t, tr, req)
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1", len(reqs))
			}
			got := reqs[0]
			for _, k := range []string{"Injected", "X-Other", "X-Cr", "X-Ua-Injected"} {
				if v, ok := got.Header[k]; ok {
					t.Errorf("header %s: %q was injected; raw request %q", k, v, got.Raw)
				}
			}
			for k, want := range map[string]string{
				"X-Evil":     "a  Injected: yes",
				"X-Evil-Lf":  "b X-Other: 1  GET /smuggled HTTP/1.1",
				"X-Evil-Cr":  "c X-Cr: 1",
				"X-Padded":   "padded value",
				"User-Agent": "ua  X-Ua-Injected: 1",
			} {
				if v := got.Header.Get(k); v != want {
					t.Errorf("header %s = %q, want %q", k, v, want)
				}
			}
			if !strings.Contains(string(got.Raw), "\r\nX-Padded: padded value\r\n") {
				t.Errorf("X-Padded not trimmed on the wire: %q", got.Raw)
			}
			if string(got.Body) != "body" {
				t.Errorf("body %q, want %q", got.Body, "body")
			}
		})
	}
}

// TestWriteRequestInvalid checks that an invalid method, header name or
// host is an error and that no byte of the request reaches the server, on
// both write paths, and that the request body is closed.
func TestWriteRequestInvalid(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*http.Request)
	}{
		{"method with CRLF", func(r *http.Request) { r.Method = "GET /admin HTTP/1.1\r\nX-A: b\r\n\r\nGET" }},
		{"method with space", func(r *http.Request) { r.Method = "GET /x" }},
		{"method with LF", func(r *http.Request) { r.Method = "POST\n" }},
		{"header name with space", func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }},
		{"header name with CRLF", func(r *http.Request) { r.Header["X-A\r\nInjected"] = []string{"v"} }},
		{"header name with colon", func(r *http.Request) { r.Header["X-A:b"] = []string{"v"} }},
		{"empty header name", func(r *http.Request) { r.Header[""] = []string{"v"} }},
		{"host with CRLF", func(r *http.Request) { r.Host = "example.com\r\nX-Injected: 1" }},
		{"host with space", func(r *http.Request) { r.Host = "example.com /x" }},
	}
	paths := []struct {
		name  string
		setup func(*http.Request)
	}{
		{"writeHead", func(*http.Request) {}},
		{"http.Request.Write (Connection)", func(r *http.Request) { r.Header.Set("Connection", "keep-alive") }},
		{"http.Request.Write (chunked)", func(r *http.Request) {
			r.Body = io.NopCloser(lengthless{strings.NewReader("body")})
			r.ContentLength = -1
		}},
	}
	for _, p := range paths {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				srv := newRawServer(t, answerOK)
				tr := New(Options{})
				req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/x", nil)
				p.setup(req)
				body := &closeTracker{Reader: req.Body}
				if req.Body == nil {
					body.Reader = strings.NewReader("body")
					req.ContentLength = 4
				}
				req.Body = body
				tt.setup(req)
				resp, err := tr.RoundTrip(req)
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got %s, want an error", resp.Status)
				}
				if !body.closed.Load() {
					t.Error("the request body was not closed")
				}
				// The connection (the transport dials before it writes)
				// is closed without a byte written.
				eventually(t, "the server is done with the connection", func() bool {
					return srv.accepted.Load() == 1 && srv.connsDone.Load() == 1
				})
				if n := srv.bytesRead.Load(); n != 0 {
					t.Errorf("the server received %d bytes, want none (%d complete requests)", n, len(srv.requests()))
				}
			})
		}
	}
}

// TestWriteRequestBodyLength checks that a body that does not match the
// request's ContentLength is an error, and that a body longer than
// ContentLength does not put its excess on the wire, where the backend would
// read it as a further request (request smuggling).
func TestWriteRequestBodyLength(t *testing.T) {
	t.Run("longer", func(t *testing.T) {
		srv := newRawServer(t, answerOK)
		tr := New(Options{})
		const declared = 5000
		smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
		payload := strings.Repeat("a", declared) + smuggled + strings.Repeat("b", 64<<10)
		req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/upload", lengthless{strings.NewReader(payload)})
		req.ContentLength = declared
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			t.Fatal("a body longer than ContentLength was sent without error")
		}
		if !strings.Contains(err.Error(), "ContentLength") {
			t.Errorf("error %q does not mention ContentLength", err)
		}
		eventually(t, "the server is done with the connection", func() bool { return srv.connsDone.Load() == 1 })
		for _, r := range srv.requests() {
			if r.URL.Path == "/smuggled" {
				t.Fatal("the excess of the body reached the server as a request of its own")
			}
		}
		if n := srv.bytesRead.Load(); n > declared+200 {
			t.Errorf("the server received %d bytes, more than the head and the declared %d bytes of body", n, declared)
		}
	})
	t.Run("shorter", func(t *testing.T) {
		srv := newRawServer(t, answerOK)
		tr := New(Options{})
		req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/upload", lengthless{strings.NewReader("abc")})
		req.ContentLength = 10
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			t.Fatal("a body shorter than ContentLength was sent without error")
		}
		eventually(t, "the server sees the connection closed", func() bool { return srv.clientClosed.Load() == 1 })
		if n := len(srv.requests()); n != 0 {
			t.Errorf("the server got %d complete requests, want none", n)
		}
	})
	t.Run("nil body with ContentLength", func(t *testing.T) {
		// Writing "Content-Length: 5" and no body would leave the backend
		// waiting for the body and the caller for the answer.
		srv := newRawServer(t, answerOK)
		tr := New(Options{})
		ctx, cancel := context.WithTimeout(context.Background(), prompt)
		defer cancel()
		req := newRequest(t, ctx, http.MethodPost, srv.URL+"/upload", nil)
		req.ContentLength = 5
		start := time.Now()
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			t.Fatal("ContentLength 5 with a nil body was sent without error")
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the round trip hung until the context's deadline (%v): %v", time.Since(start), err)
		}
		eventually(t, "the server is done with the connection", func() bool { return srv.connsDone.Load() == 1 })
		if n := srv.bytesRead.Load(); n != 0 {
			t.Errorf("the server received %d bytes, want none", n)
		}
	})
}

// TestWriteRequestExpectContinue checks a request with "Expect:
// 100-continue" (written by http.Request.Write, body at once) and an answer
// of 100 Continue then 200.
func TestWriteRequestExpectContinue(t *testing.T) {
	srv := newRawServer(t, func(c *rawConn, req *request) {
		c.write("HTTP/1.1 100 Continue\r\n\r\n")
		c.write("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(req.Body)) + "\r\n\r\n" + string(req.Body))
	})
	tr := New(Options{})
	for range 2 {
		req := newRequest(t, context.Background(), http.MethodPost, srv.URL+"/expect", bytes.NewReader([]byte("payload")))
		req.Header.Set("Expect", "100-continue")
		resp, body := roundTrip(t, tr, req)
		if resp.StatusCode != http.StatusOK || body != "payload" {
			t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, "payload")
		}
	}
	reqs := srv.requests()
	if len(reqs) != 2 || reqs[0].Header.Get("Expect") != "100-continue" {
		t.Fatalf("server got %d requests, the first with Expect %q", len(reqs), reqs[0].Header.Get("Expect"))
	}
	if n := srv.accepted.Load(); n != 1 {
		t.Errorf("%d connections for 2 requests, want 1 (kept alive)", n)
	}
}

// TestWriteRequestContentLength checks when a request says
// "Content-Length" (or is chunked), by method and body, on both write
// paths: against the rule written out, and against what net/http's
// Transport sends for the same request, request line, header lines and
// body. Without a body, only POST, PUT and PATCH say "Content-Length: 0".
func TestWriteRequestContentLength(t *testing.T) {
	const (
		none    = ""
		zero    = "Content-Length: 0"
		three   = "Content-Length: 3"
		chunked = "Transfer-Encoding: chunked"
	)
	bodies := []struct {
		name string
		body func() io.Reader // http.NewRequest's argument
	}{
		{"nil Body", func() io.Reader { return nil }},
		{"NoBody", func() io.Reader { return http.NoBody }},
		{"empty body, ContentLength 0", func() io.Reader { return lengthless{strings.NewReader("")} }},
		{"body, ContentLength 0", func() io.Reader { return lengthless{strings.NewReader("abc")} }},
		{"body, ContentLength 3", func() io.Reader { return strings.NewReader("abc") }},
	}
	tests := []struct {
		method string
		want   [5]string // the framing header, for each of bodies
	}{
		{http.MethodGet, [5]string{none, none, none, chunked, three}},
		{http.MethodHead, [5]string{none, none, none, chunked, three}},
		{http.MethodDelete, [5]string{none, none, none, chunked, three}},
		{http.MethodOptions, [5]string{none, none, none, chunked, three}},
		{http.MethodTrace, [5]string{none, none, chunked, chunked, three}},
		{http.MethodPost, [5]string{zero, zero, chunked, chunked, three}},
		{http.MethodPut, [5]string{zero, zero, chunked, chunked, three}},
		{http.MethodPatch, [5]string{zero, zero, chunked, chunked, three}},
	}
	std := &http.Transport{DisableCompression: true} // no Accept-Encoding
	defer std.CloseIdleConnections()
	for _, tt := range tests {
		for i, b := range bodies {
			t.Run(tt.method+"/"+b.name, func(t *testing.T) {
				srv := newRawServer(t, func(c *rawConn, _ *request) {
					c.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
				})
				tr := New(Options{})
				defer tr.CloseIdleConnections()
				for _, rt := range []http.RoundTripper{tr, std} {
					req := newRequest(t, context.Background(), tt.method, srv.URL+"/cl", b.body())
					req.Header.Set("User-Agent", "test") // net/http's default is not modelgate's
					roundTrip(t, rt, req)
				}
				reqs := srv.requests()
				if len(reqs) != 2 {
					t.Fatalf("server got %d requests, want 2", len(reqs))
				}
				line, hdrs, body := splitRaw(t, reqs[0].Raw)
				want := []string{"Host: " + srv.Host, "User-Agent: test"}
				if tt.want[i] != none {
					want = append(want, tt.want[i])
				}
				slices.Sort(want)
				if diff := cmp.Diff(want, hdrs); diff != "" {
					t.Errorf("header lines (-want +got):\n%s\nraw request: %q", diff, reqs[0].Raw)
				}
				stdLine, stdHdrs, stdBody := splitRaw(t, reqs[1].Raw)
				if line != stdLine || !slices.Equal(hdrs, stdHdrs) || body != stdBody {
					t.Errorf("the request differs from net/http's Transport's:\n got %q\nwant %q", reqs[0].Raw, reqs[1].Raw)
				}
			})
		}
	}
}
