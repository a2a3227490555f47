// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"bytes"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// The operations, as adapters.Error.Op reports them.
const (
	opInfer    = "infer"
	opReady    = "ready"
	opMetadata = "metadata"
)

// msgModelCrashed starts the message of the 400 MLflow sends for any
// exception the model's predict raised (scoring_server/__init__.py
// invocations, which also attaches a stack_trace).
const msgModelCrashed = "Encountered an unexpected error while evaluating the model"

// maxTextMessage bounds a plain-text error body taken as the message.
const maxTextMessage = 1024

// classify maps an /invocations error answer to an error kind
// (PROTOCOLS.md §3.4). MLflow's JSON error body is {"error_code",
// "message", "stack_trace"?}; only the message is kept, never the stack
// trace. The decisions where a status misleads:
//
//   - 400 is MLflow's answer both for bad input and for a model that
//     crashed. A message starting "Encountered an unexpected error while
//     evaluating the model" is a model exception: ErrModelFailed, not the
//     client's fault and not worth retrying. Schema enforcement failures
//     ("Failed to predict data …") and parse failures ("Invalid input. …",
//     "The input must be a JSON dictionary …") are ErrInvalidInput.
//   - 404 ({"detail": "Not Found"} from FastAPI, {} from the docker
//     image's nginx) means the URL does not reach /invocations of a scoring
//     server: a configuration problem, reported as ErrModelNotFound (the
//     model is not served there) with the upstream's message.
//   - 413 is nginx's client_max_body_size (5m in `build-docker` images):
//     the request is too large for that backend, ErrInvalidInput.
//   - 415 (text/plain) means MLflow refused our content type. The adapter
//     controls it and checks payload types first, so this is a server that
//     does not behave as expected: ErrBadUpstream.
//   - 504 is the scoring server's timeout middleware ("Request processing
//     time exceeded limit", MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT, 60 s):
//     the server was too slow, which another target or a later attempt may
//     not be. ErrUnavailable, as for TF Serving's 504.
//
// Everything else follows jsonhttp.KindForStatus: 429 ErrRateLimited, 501
// errors.ErrUnsupported, 503 ErrUnavailable, 405 and 500 ErrBadUpstream.
func classify(status int, message string) error {
	switch status {
	case http.StatusBadRequest:
		if strings.HasPrefix(message, msgModelCrashed) {
			return adapters.ErrModelFailed
		}
		return adapters.ErrInvalidInput
	case http.StatusRequestEntityTooLarge:
		return adapters.ErrInvalidInput
	case http.StatusGatewayTimeout:
		return adapters.ErrUnavailable
	}
	return jsonhttp.KindForStatus(status)
}

// statusError builds the *adapters.Error for a non-200 answer.
func statusError(call jsonhttp.Call, resp *http.Response, body []byte) *adapters.Error {
	msg := jsonhttp.ErrorMessage(body)
	if msg == "" {
		msg = textMessage(body)
	}
	if msg == "" && resp.StatusCode == http.StatusRequestEntityTooLarge {
		msg = "the request exceeds the backend's body size limit"
	}
	e := call.StatusError(resp, body, classify(resp.StatusCode, msg))
	e.Message = msg
	return e
}

// textMessage is a short plain-text error body (MLflow's 415 and 504
// bodies are text, the 504 one labelled application/json), bounded and on
// one line. HTML pages (nginx errors), JSON without a message (nginx's
// {}) and binary give "".
func textMessage(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || len(body) > maxTextMessage || !utf8.Valid(body) ||
		bytes.IndexByte([]byte("<{["), body[0]) >= 0 {
		return ""
	}
	for _, c := range body {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return ""
		}
	}
	return adapters.TrimMessage(strings.Join(strings.Fields(string(body)), " "))
}
