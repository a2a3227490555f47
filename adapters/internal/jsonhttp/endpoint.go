// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Endpoint returns base extended by path segments, each escaped as one
// segment: a "/" inside a model name becomes %2F and the segments "." and
// ".." become %2E and %2E%2E, so no name can climb out of its place in the
// path. base's own path is kept (a base of http://h/prefix/ yields
// http://h/prefix/v2/…), as is its query; base is not modified.
func Endpoint(base *url.URL, segments ...string) *url.URL {
	u := *base
	path := strings.TrimSuffix(base.Path, "/")
	raw := strings.TrimSuffix(base.EscapedPath(), "/")
	for _, s := range segments {
		path += "/" + s
		raw += "/" + escapeSegment(s)
	}
	u.Path, u.RawPath = path, raw
	if u.RawPath == u.Path {
		u.RawPath = ""
	}
	return &u
}

func escapeSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

// NewRequest returns a request for u bound to ctx. A non-nil body is sent
// with contentType and is replayable (GetBody is set), so the resilience
// layer can retry it.
func NewRequest(ctx context.Context, method string, u *url.URL, body []byte, contentType string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	// The URL is already parsed: give the request a copy of it rather than
	// format it and let net/http parse it again.
	req, err := http.NewRequestWithContext(ctx, method, "", r)
	if err != nil {
		return nil, err
	}
	target := *u
	if target.Path != "" && target.Path[0] != '/' {
		// A relative path (url.URL.JoinPath on a base without one makes
		// them) is rooted, as u.String() would have done.
		target.Path = "/" + target.Path
		if target.RawPath != "" {
			target.RawPath = "/" + target.RawPath
		}
	}
	req.URL = &target
	req.Host = strings.TrimSuffix(target.Host, ":")
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}
