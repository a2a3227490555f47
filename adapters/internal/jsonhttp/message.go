// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
)

// messageKeys are the object keys that carry an error message in the bodies
// of the backends we front, in order of preference: OIP, TF Serving, KServe,
// MLServer and BentoML use "error"; TorchServe and MLflow "message"; FastAPI
// "detail"; pydantic items "msg".
var messageKeys = [...]string{"error", "message", "detail", "msg"}

// maxDetails bounds how many items of a list of errors (FastAPI's 422
// "detail") are joined into one message.
const maxDetails = 3

// ErrorMessage extracts the upstream's own error message from a JSON error
// body, bounded by adapters.TrimMessage with control characters turned into
// spaces. It understands
//
//	{"error": "msg"}                              OIP, TF Serving, KServe, MLServer, BentoML
//	{"error": {"message": "msg"}}                 nested error objects
//	{"code": 503, "type": "T", "message": "msg"}  TorchServe, MLflow ({"error_code", "message"})
//	{"detail": "Not Found"}                       FastAPI, Starlette
//	{"detail": [{"loc": ["body", "x"], "msg": "field required"}, …]}
//	[{"error": "msg"}]                            BentoML 4xx
//	"msg"                                         a bare JSON string
//
// It returns "" for anything else — empty, not JSON, larger than
// MaxErrorBodyBytes, or JSON without a message — and never the raw body.
func ErrorMessage(body []byte) string {
	if len(body) == 0 || len(body) > MaxErrorBodyBytes {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return ""
	}
	return clean(messageOf(v, 0))
}

// messageOf finds the message in a decoded JSON value; depth stops
// pathological nesting.
func messageOf(v any, depth int) string {
	if depth > 3 {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		return objectMessage(v, depth)
	case []any:
		return listMessage(v, depth)
	}
	return ""
}

func objectMessage(obj map[string]any, depth int) string {
	for _, k := range messageKeys {
		if m := messageOf(obj[k], depth+1); m != "" {
			return withLocation(obj, m)
		}
	}
	return ""
}

// withLocation prefixes a pydantic/FastAPI validation message with its
// location: {"loc": ["body", "x"], "msg": "field required"} → "body.x: field required".
func withLocation(obj map[string]any, msg string) string {
	loc, ok := obj["loc"].([]any)
	if !ok || len(loc) == 0 {
		return msg
	}
	parts := make([]string, 0, len(loc))
	for _, p := range loc {
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ".") + ": " + msg
}

func listMessage(list []any, depth int) string {
	var msgs []string
	for _, item := range list {
		if m := messageOf(item, depth+1); m != "" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) > maxDetails {
		more := len(msgs) - maxDetails
		msgs = append(msgs[:maxDetails], fmt.Sprintf("and %d more", more))
	}
	return strings.Join(msgs, "; ")
}

// clean turns control characters (newlines of pretty-printed tracebacks,
// tabs, escapes) into spaces, collapses runs of spaces and bounds the result.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return adapters.TrimMessage(strings.Join(strings.Fields(s), " "))
}
