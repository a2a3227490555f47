// SPDX-License-Identifier: Apache-2.0

package torchserve

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// Envelope is the request body layout sent to TorchServe, which passes the
// body to the model's handler as is (PROTOCOLS.md §2.2): the handler decides
// what it accepts, so the route target says which layout it is.
type Envelope string

// The envelopes, named as the config's torchserve.envelope values.
const (
	// EnvelopeJSON sends the inputs as plain JSON with Content-Type
	// application/json (the Python worker JSON-decodes such bodies before
	// the handler sees them): a single input as its nested data array
	// (shape [] as a bare scalar), several as an object {name: nested data}.
	// The answer is taken as the handler wrote it (see Adapter.Infer).
	EnvelopeJSON Envelope = "json"
	// EnvelopeInstances sends {"instances": rows}, TorchServe's JSON
	// envelope (service_envelope=json, ts/torch_handler/request_envelope/
	// json.py, TF Serving's row format: one row per element of the first
	// dimension, objects {name: value} when there are several inputs,
	// BYTES as {"b64": …}), and unwraps the answer's {"predictions": …}.
	EnvelopeInstances Envelope = "instances"
	// EnvelopeRaw sends Request.Raw as is, with its Content-Type (an image
	// for the stock image classifiers); requests with tensors are rejected.
	EnvelopeRaw Envelope = "raw"
)

// Options configure an Adapter for one route target: one TorchServe model,
// optionally pinned to one version, behind one backend.
type Options struct {
	// Backend is the backend's configured name, used in errors. If empty,
	// "torchserve".
	Backend string
	// BaseURL is TorchServe's inference address (inference_address,
	// default http://127.0.0.1:8080). A path prefix is kept. Required.
	BaseURL *url.URL
	// Client sends every upstream request; it carries the backend's
	// retries, breaker and timeouts (see Retryable and Fault for the hooks
	// TorchServe needs). Required: http.DefaultClient is never used.
	Client adapters.HTTPClient
	// Model is TorchServe's model name and, optionally, a version (the MAR
	// manifest's version string, e.g. "2.0"). An empty Version means the
	// model's default version. Name is required; neither may contain "/",
	// which TorchServe splits paths on.
	Model adapters.ModelRef
	// OutputNames name unnamed outputs in order: a bare JSON array or
	// scalar answer is named OutputNames[0]. If empty, "output-0".
	OutputNames []string
	// MaxResponseBytes bounds an upstream response body. If <= 0, 64 MiB.
	MaxResponseBytes int64
	// Envelope is the request body layout. If empty, EnvelopeJSON.
	Envelope Envelope
	// ManagementURL is TorchServe's management address (management_address,
	// default http://127.0.0.1:8081). If set, ModelReady asks it whether the
	// model has a READY worker; if nil, ModelReady uses the server-wide
	// GET /ping of the inference address.
	ManagementURL *url.URL
	// Token is TorchServe's inference key (key_file.json, "inference"),
	// sent as "Authorization: Bearer <token>" on every inference-address
	// call, /ping included. TorchServe enables token authorization by
	// default since 0.11 (PROTOCOLS.md §2.5). If empty, no header is sent.
	Token string
	// ManagementToken is TorchServe's management key, sent the same way on
	// management-address calls; the inference key is not accepted there.
	// If empty, no header is sent.
	ManagementToken string
}

// Adapter is the TorchServe adapter for one route target. It is safe for
// concurrent use.
type Adapter struct {
	backend     string
	client      adapters.HTTPClient
	model       adapters.ModelRef
	predict     *url.URL
	ping        *url.URL
	describe    *url.URL // nil without Options.ManagementURL
	outputNames []string
	maxBytes    int64
	envelope    Envelope
	token       string
	mgmtToken   string
}

var _ adapters.Adapter = (*Adapter)(nil)

// New validates opts and returns the adapter for one route target.
func New(opts Options) (*Adapter, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	a := &Adapter{
		backend:     opts.Backend,
		client:      opts.Client,
		model:       opts.Model,
		predict:     jsonhttp.Endpoint(opts.BaseURL, modelSegments("predictions", opts.Model)...),
		ping:        jsonhttp.Endpoint(opts.BaseURL, "ping"),
		outputNames: append([]string(nil), opts.OutputNames...),
		maxBytes:    opts.MaxResponseBytes,
		envelope:    opts.Envelope,
		token:       opts.Token,
		mgmtToken:   opts.ManagementToken,
	}
	if a.backend == "" {
		a.backend = "torchserve"
	}
	if a.envelope == "" {
		a.envelope = EnvelopeJSON
	}
	if a.maxBytes <= 0 {
		a.maxBytes = jsonhttp.DefaultMaxResponseBytes
	}
	if opts.ManagementURL != nil {
		a.describe = jsonhttp.Endpoint(opts.ManagementURL, modelSegments("models", opts.Model)...)
	}
	return a, nil
}

// modelSegments returns the path segments {prefix}/{model}[/{version}].
func modelSegments(prefix string, m adapters.ModelRef) []string {
	if m.Version == "" {
		return []string{prefix, m.Name}
	}
	return []string{prefix, m.Name, m.Version}
}

// validate checks o, naming the first invalid field.
func (o *Options) validate() error {
	switch {
	case o.Client == nil:
		return errors.New("torchserve: Options.Client is required (http.DefaultClient is never used)")
	case o.Model.Name == "":
		return errors.New("torchserve: Options.Model.Name is required")
	}
	if err := checkURL("BaseURL", o.BaseURL, true); err != nil {
		return err
	}
	if err := checkURL("ManagementURL", o.ManagementURL, false); err != nil {
		return err
	}
	if err := checkSegment("Model.Name", o.Model.Name); err != nil {
		return err
	}
	if err := checkSegment("Model.Version", o.Model.Version); err != nil {
		return err
	}
	switch o.Envelope {
	case "", EnvelopeJSON, EnvelopeInstances, EnvelopeRaw:
	default:
		return fmt.Errorf("torchserve: Options.Envelope %q: must be %q, %q or %q",
			o.Envelope, EnvelopeJSON, EnvelopeInstances, EnvelopeRaw)
	}
	for i, n := range o.OutputNames {
		if n == "" {
			return fmt.Errorf("torchserve: Options.OutputNames[%d]: must not be empty", i)
		}
	}
	return nil
}

// checkURL requires u, if set (or required), to be an absolute http(s) URL.
func checkURL(field string, u *url.URL, required bool) error {
	switch {
	case u == nil && required:
		return fmt.Errorf("torchserve: Options.%s is required", field)
	case u == nil:
		return nil
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("torchserve: Options.%s %q: must be an absolute http(s) URL", field, u.Redacted())
	}
	return nil
}

// checkSegment rejects a model name or version TorchServe cannot route: it
// splits the decoded path on "/", so neither may contain one, and "." and
// ".." would be resolved away by intermediaries.
func checkSegment(field, s string) error {
	if strings.Contains(s, "/") || s == "." || s == ".." {
		return fmt.Errorf("torchserve: Options.%s %q: must be one path segment (no \"/\", not \".\" or \"..\")", field, s)
	}
	return nil
}

// call starts an operation's error context.
func (a *Adapter) call(op string) jsonhttp.Call {
	return jsonhttp.Call{Op: op, Backend: a.backend, Model: a.model.String()}
}

// authorize sets the bearer token, if any.
func authorize(req *http.Request, token string) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
}
