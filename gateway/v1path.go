// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/modelgate/modelgate/adapters"
)

// TF Serving's REST path expressions (tensorflow_serving/model_servers/
// http_rest_api_util.cc, PROTOCOLS.md §1.1), anchored as RE2::FullMatch
// anchors them. Go's regexp is RE2, so submatches agree exactly. They run on
// the escaped path; name and label are percent-decoded afterwards, as TF
// Serving does.
const (
	v1PredictExpr = `^(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)$`
	v1StatusExpr  = `^(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?$`
)

// v1Paths holds the compiled expressions.
type v1Paths struct {
	predict *regexp.Regexp
	status  *regexp.Regexp
}

func newV1Paths() v1Paths {
	return v1Paths{predict: regexp.MustCompile(v1PredictExpr), status: regexp.MustCompile(v1StatusExpr)}
}

// v1Call is a parsed TF Serving REST path.
type v1Call struct {
	model   string
	version string // decimal digits, normalised ("007" → "7"); "" for latest
	label   string
	verb    string // POST: "predict", "classify", "regress"; GET: "" (status) or "metadata"
}

// parse matches method and the escaped path the way TF Serving's
// ParseModelInfo and ProcessRequest do. Anything that does not match is
// "Malformed request: METHOD PATH" (400). The expressions are
// case-insensitive but TF compares the captured verb exactly, so
// ":PREDICT" is malformed and "/METADATA" asks for the status; both quirks
// are kept.
func (p v1Paths) parse(method, escapedPath string) (v1Call, error) {
	malformed := replyf(adapters.ErrInvalidInput, "Malformed request: %s %s", method, escapedPath)
	var m []string
	switch method {
	case http.MethodPost:
		m = p.predict.FindStringSubmatch(escapedPath)
	case http.MethodGet:
		m = p.status.FindStringSubmatch(escapedPath)
	}
	if m == nil {
		return v1Call{}, malformed
	}
	call := v1Call{verb: m[4]}
	var err error
	if call.model, err = url.PathUnescape(m[1]); err != nil {
		return v1Call{}, replyf(adapters.ErrInvalidInput, "Failed to decode model name:%s", m[1])
	}
	if m[2] != "" {
		v, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return v1Call{}, replyf(adapters.ErrInvalidInput, "Failed to convert version: %s to numeric.", m[2])
		}
		call.version = strconv.FormatInt(v, 10)
	}
	if call.label, err = url.PathUnescape(m[3]); err != nil {
		return v1Call{}, replyf(adapters.ErrInvalidInput, "Failed to decode model version label:%s", m[3])
	}
	if method == http.MethodPost && call.verb != "predict" && call.verb != "classify" && call.verb != "regress" {
		return v1Call{}, malformed
	}
	if method == http.MethodGet && call.verb != "metadata" {
		call.verb = "" // TF serves status unless the subresource is exactly "metadata"
	}
	return call, nil
}
