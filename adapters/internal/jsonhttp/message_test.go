// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", adapters.MaxMessageLen)
	tests := []struct {
		name, body, want string
	}{
		{"oip error", `{"error": "Model with name m does not exist."}`, "Model with name m does not exist."},
		{"pretty tf serving error", "{\n    \"error\": \"Servable not found for request: Latest(m)\"\n}\n", "Servable not found for request: Latest(m)"},
		{"torchserve", `{"code": 503, "type": "InternalServerException", "message": "Prediction failed"}`, "Prediction failed"},
		{"mlflow keeps message not stack trace", `{"error_code": "BAD_REQUEST", "message": "Invalid input. x", "stack_trace": "Traceback…"}`, "Invalid input. x"},
		{"fastapi not found", `{"detail": "Not Found"}`, "Not Found"},
		{"fastapi validation list", `{"detail": [{"type": "missing", "loc": ["body", "inputs", 0], "msg": "Field required"}, {"loc": ["query"], "msg": "bad"}]}`,
			"body.inputs.0: Field required; query: bad"},
		{"long list is cut", `[{"error": "a"}, {"error": "b"}, {"error": "c"}, {"error": "d"}, {"error": "e"}]`, "a; b; c; and 2 more"},
		{"bentoml array", `[{"error": "Invalid input"}]`, "Invalid input"},
		{"bentoml error wins over detail", `{"error": "1 validation error for Input", "detail": [{"msg": "x"}]}`, "1 validation error for Input"},
		{"nested error object", `{"error": {"code": 3, "message": "deep"}}`, "deep"},
		{"bare string", `"plain"`, "plain"},
		{"control characters become spaces", `{"error": "line one\nline two\t\u0000end"}`, "line one line two end"},
		{"trimmed", `{"error": "  spaced  "}`, "spaced"},
		{"bounded", `{"error": "` + long + `"}`, adapters.TrimMessage(long)},
		{"non-string error falls through to message", `{"error": 5, "message": "five"}`, "five"},
		{"no message", `{"status": "bad"}`, ""},
		{"number", `42`, ""},
		{"not json", `<html><body>502 Bad Gateway</body></html>`, ""},
		{"plain text", "Request processing time exceeded limit", ""},
		{"empty", "", ""},
		{"truncated json", `{"error": "x`, ""},
		{"too deep", `{"error": {"error": {"error": {"error": {"error": "x"}}}}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ErrorMessage([]byte(tt.body)); got != tt.want {
				t.Errorf("ErrorMessage(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestErrorMessageIgnoresHugeBodies(t *testing.T) {
	t.Parallel()
	body := `{"error": "` + strings.Repeat("x", MaxErrorBodyBytes) + `"}`
	if got := ErrorMessage([]byte(body)); got != "" {
		t.Errorf("ErrorMessage(%d bytes) = %.20q…, want empty", len(body), got)
	}
}
