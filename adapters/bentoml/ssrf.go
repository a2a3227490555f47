// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"fmt"

	"github.com/modelgate/modelgate/adapters"
)

// BentoML fetches URLs it is given where it expects files (PROTOCOLS.md
// §4.2), read in bentoml/BentoML@32230a52 _bentoml_impl/serde.py:
// MultipartSerde.ensure_file downloads any string given for a file field,
// and JSONSerde.parse_request downloads the whole body of a root-input file
// API when it parses as an http(s) URL (body decoded as UTF-8 with invalid
// bytes dropped, then urllib's urlparse). Its make_safe_connect blocks
// private, loopback and link-local IP literals, but a gateway must not let
// clients make a backend fetch anything, so the adapter refuses to forward
// URL-like strings where BentoML or the API's code would follow them:
//
//   - in every BYTES input while no schema is cached (the safe default: the
//     adapter cannot tell file parameters from text ones yet);
//   - once the schema is cached, in file parameters and string parameters
//     of format uri or binary; plain string parameters may carry URLs as
//     text;
//   - in Raw payloads, always (a root-input file API would download one);
//   - and raw form bodies (multipart/form-data, x-www-form-urlencoded) are
//     not forwarded at all: MultipartSerde downloads any string given in a
//     file field, and the adapter does not parse forms.
//
// Through JSON, a file parameter never receives content anyway: BentoML's
// FileSchema.decode passes a string through unchanged, so the API would get
// a server-side path. File parameters therefore reject every string.

// urlSchemes are the schemes refused: what BentoML (httpx) fetches and what
// an API's own code might (urllib also opens ftp: and file:).
var urlSchemes = [...]string{"http:", "https:", "ftp:", "ftps:", "file:"}

// urlLike reports whether b reads as an absolute URL of a refused scheme the
// way Python's urlparse sees it: leading C0 controls, spaces and quotes
// (ensure_file strips quotes) are skipped, tabs and newlines inside are
// removed, letters compare case-insensitively, and non-ASCII bytes are
// skipped (decode("utf-8", "ignore") drops invalid ones; skipping valid ones
// too only errs on the side of refusing).
func urlLike(b []byte) bool {
	var head [8]byte
	n, i := 0, 0
	for i < len(b) && (b[i] <= ' ' || b[i] == '"' || b[i] == '\'' || b[i] >= 0x80) {
		i++
	}
	for ; i < len(b) && n < len(head); i++ {
		c := b[i]
		switch {
		case c == '\t' || c == '\r' || c == '\n' || c >= 0x80:
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		head[n] = c
		n++
	}
	for _, s := range urlSchemes {
		if n >= len(s) && string(head[:len(s)]) == s {
			return true
		}
	}
	return false
}

// refuseURLs rejects a BYTES tensor holding a URL-like element.
func refuseURLs(t *adapters.Tensor, why string) error {
	for i, b := range t.Data.Bytes {
		if urlLike(b) {
			return fmt.Errorf("%w: input %q element %d is a URL; the gateway does not forward URLs %s",
				adapters.ErrInvalidInput, t.Name, i, why)
		}
	}
	return nil
}

// refuseFile rejects any string for a file parameter.
func refuseFile(t *adapters.Tensor, p *param) error {
	if t.DType != adapters.Bytes {
		return nil
	}
	if err := refuseURLs(t, "for BentoML to download"); err != nil {
		return err
	}
	if len(t.Data.Bytes) > 0 {
		return fmt.Errorf("%w: input %q: parameter %q is a file, which JSON cannot carry "+
			"(BentoML would hand the string to the API as a server-side path); "+
			"send the file as a raw payload to a root-input API",
			adapters.ErrInvalidInput, t.Name, p.name)
	}
	return nil
}
