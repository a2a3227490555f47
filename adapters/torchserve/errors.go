// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// errorBody is TorchServe's error body (PROTOCOLS.md §2.4): Gson's rendering
// of ErrorResponse, {"code": 503, "type": "InternalServerException",
// "message": "Prediction failed"}.
type errorBody struct {
	Code    int    `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

// parseErrorBody decodes an error body; a body that is not TorchServe's JSON
// (Netty's bare 413, a proxy's HTML page) yields the zero value.
func parseErrorBody(data []byte) errorBody {
	var b errorBody
	if json.Unmarshal(data, &b) != nil {
		return errorBody{}
	}
	return b
}

// Messages and exception types TorchServe puts in its error bodies, as read
// from pytorch/serve@62c4d6a1 (0.12.0): ts/service.py and
// ts/protocol/otf_message_handler.py (worker side, sent by RestJob.sendError
// as type InternalServerException), util/ApiUtils.java
// (getStreamingInferenceErrorResponseMessage), wlm/WorkerThread.java,
// http/TokenAuthorizationHandler.java (InvalidKeyException, a ModelException
// and therefore a 400), http/InvalidRequestHandler.java.
const (
	msgNoWorker       = "has no worker"
	msgWorkerDied     = "Worker died."
	msgTokenFailed    = "Token Authorization failed"
	msgTokenAPIFailed = "Token Authentication failed"
	msgNoSuchResource = "Requested resource is not found"
	typeWorkerError   = "InternalServerException"
	typeInvalidKey    = "InvalidKeyException"
)

// classification is what one upstream error status means: its kind,
// whether another attempt may succeed, and a note for the message.
type classification struct {
	kind  error
	retry bool
	note  string
}

// classify maps a TorchServe error status and body to an error kind
// (PROTOCOLS.md §2.4). The decisions where TorchServe's statuses mislead:
//
//   - 503 is two different things. The frontend's "Model "m" has no worker to
//     serve inference request…" (ServiceUnavailableException: no workers, or
//     the job queue is full) is a real unavailability: ErrUnavailable,
//     retryable. Every worker-originated 503 (type InternalServerException:
//     "Prediction failed" when the handler raised, "Invalid model predict
//     output", "number of batch response mismatched", "Unsupported model
//     output data type.", or a handler's PredictionException with code 503)
//     is the model failing on this input: ErrModelFailed, not retried. A 503
//     with neither marker keeps the default, ErrUnavailable.
//   - 507 ("Out of resources": MemoryError, a CUDA error, or a worker
//     OOM-killed with exit code 137) is memory pressure on that host:
//     ErrUnavailable, worth trying elsewhere or later.
//   - 500 "Worker died." (worker crash or default_response_timeout) is
//     ErrUnavailable: the frontend restarts the worker. Any other 500 is
//     ErrBadUpstream.
//   - 400 with InvalidKeyException ("Token Authorization failed…") is the
//     gateway's token configuration, not the client's request: ErrBadUpstream
//     with a message that says so. Any other 400 is ErrInvalidInput.
//   - 413 comes from Netty's aggregator with no body: the request exceeds
//     max_request_size. ErrInvalidInput.
//   - 404 is ErrModelNotFound ("Model not found: m", "Model version: v does
//     not exist for model: m"), except "Requested resource is not found",
//     which TorchServe sends for a path it does not route: the configured
//     URL points at the wrong port (e.g. the management API), ErrBadUpstream.
//   - 405 (method not allowed) is a configuration problem too: ErrBadUpstream.
//   - 408 (RequestTimeoutException) is ErrUnavailable.
//
// Other statuses follow jsonhttp.KindForStatus.
func classify(status int, data []byte, tokenField string) classification {
	body := parseErrorBody(data)
	c := classification{kind: jsonhttp.KindForStatus(status)}
	switch status {
	case http.StatusServiceUnavailable:
		switch {
		case strings.Contains(body.Message, msgNoWorker):
			c.retry = true
		case body.Type == typeWorkerError:
			c.kind = adapters.ErrModelFailed
		default:
			c.retry = true
		}
	case http.StatusInsufficientStorage, http.StatusRequestTimeout:
		c.kind, c.retry = adapters.ErrUnavailable, true
	case http.StatusInternalServerError:
		if strings.TrimSpace(body.Message) == msgWorkerDied {
			c.kind, c.retry = adapters.ErrUnavailable, true
		}
	case http.StatusBadRequest:
		if isTokenFailure(body) {
			c.kind = adapters.ErrBadUpstream
			c.note = "the gateway's TorchServe key was refused: check " + tokenField
		}
	case http.StatusRequestEntityTooLarge:
		c.kind = adapters.ErrInvalidInput
		c.note = "request exceeds TorchServe's max_request_size"
	case http.StatusNotFound:
		if strings.HasPrefix(body.Message, msgNoSuchResource) {
			c.kind = adapters.ErrBadUpstream
			c.note = "TorchServe does not route this path: check the configured URL and port"
		}
	case http.StatusMethodNotAllowed:
		c.kind = adapters.ErrBadUpstream
	}
	return c
}

// isTokenFailure recognises TorchServe's token authorization failure.
func isTokenFailure(b errorBody) bool {
	return b.Type == typeInvalidKey ||
		strings.HasPrefix(b.Message, msgTokenFailed) ||
		strings.HasPrefix(b.Message, msgTokenAPIFailed)
}

// statusError builds the *adapters.Error for a non-2xx answer. tokenField
// names the option holding the key TorchServe rejected, for the message of
// a token authorization failure.
func (a *Adapter) statusError(call jsonhttp.Call, resp *http.Response, data []byte, tokenField string) *adapters.Error {
	c := classify(resp.StatusCode, data, tokenField)
	e := call.StatusError(resp, data, c.kind)
	switch {
	case c.note == "":
	case e.Message == "":
		e.Message = c.note
	default:
		e.Message = adapters.TrimMessage(e.Message + " (" + c.note + ")")
	}
	return e
}
