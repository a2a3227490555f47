// SPDX-License-Identifier: Apache-2.0

package bentoml

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// Platform is the ModelMetadata.Platform this adapter reports.
const Platform = "bentoml"

// DefaultAPI is the API the adapter calls when Options.API is empty: the
// method name of BentoML's quickstart services, routed at POST /predict.
const DefaultAPI = "predict"

// Options configure an Adapter for one route target: one API of one BentoML
// service. BentoML has no model names or versions on the wire (the service
// is the deployment, PROTOCOLS.md §4.1); the API selects the function.
type Options struct {
	// Backend is the backend's configured name, used in errors. If empty,
	// "bentoml".
	Backend string
	// BaseURL is the service's address, e.g. http://127.0.0.1:3000. A path
	// prefix is kept (a proxy's, or the service's path_prefix; see API).
	// Required.
	BaseURL *url.URL
	// Client sends every upstream request; it carries the backend's
	// retries, breaker and timeouts. Required: http.DefaultClient is never
	// used.
	Client adapters.HTTPClient
	// Model names the target in errors and in Response.Model; BentoML never
	// sees it. Optional.
	Model adapters.ModelRef
	// OutputNames name unnamed outputs in order: a bare JSON array, scalar
	// or text answer is named OutputNames[0]. If empty, "output-0".
	OutputNames []string
	// MaxResponseBytes bounds an upstream response body. If <= 0, 64 MiB.
	MaxResponseBytes int64
	// API is the API's route without its leading "/": the method name for
	// a default route, or the custom route given to @bentoml.api(route=…)
	// ("v1/classify"). If empty, DefaultAPI.
	API string
	// Params maps tensor names to the API function's Python parameter
	// names, for tensors named otherwise. A tensor without an entry is sent
	// under its own name. Two tensors may not map to the same parameter.
	Params map[string]string
}

// Adapter is the BentoML adapter for one route target. It is safe for
// concurrent use.
type Adapter struct {
	backend     string
	client      adapters.HTTPClient
	model       adapters.ModelRef
	api         string
	route       string // "/" + api, as /schema.json lists routes
	infer       *url.URL
	readyz      *url.URL
	schemaURL   *url.URL
	outputNames []string
	maxBytes    int64
	params      map[string]string // tensor name → parameter name
	tensors     map[string]string // parameter name → tensor name
	schema      atomic.Pointer[apiSchema]
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
		api:         opts.API,
		outputNames: slices.Clone(opts.OutputNames),
		maxBytes:    opts.MaxResponseBytes,
		params:      make(map[string]string, len(opts.Params)),
		tensors:     make(map[string]string, len(opts.Params)),
	}
	if a.backend == "" {
		a.backend = "bentoml"
	}
	if a.api == "" {
		a.api = DefaultAPI
	}
	if a.maxBytes <= 0 {
		a.maxBytes = jsonhttp.DefaultMaxResponseBytes
	}
	for tensor, param := range opts.Params {
		a.params[tensor], a.tensors[param] = param, tensor
	}
	a.route = "/" + a.api
	a.infer = jsonhttp.Endpoint(opts.BaseURL, strings.Split(a.api, "/")...)
	a.readyz = jsonhttp.Endpoint(opts.BaseURL, "readyz")
	a.schemaURL = jsonhttp.Endpoint(opts.BaseURL, "schema.json")
	return a, nil
}

// validate checks o, naming the first invalid field.
func (o *Options) validate() error {
	switch {
	case o.BaseURL == nil:
		return errors.New("bentoml: Options.BaseURL is required")
	case o.BaseURL.Scheme != "http" && o.BaseURL.Scheme != "https", o.BaseURL.Host == "":
		return fmt.Errorf("bentoml: Options.BaseURL %q: must be an absolute http(s) URL", o.BaseURL.Redacted())
	case o.Client == nil:
		return errors.New("bentoml: Options.Client is required (http.DefaultClient is never used)")
	}
	if err := checkAPI(o.API); err != nil {
		return err
	}
	if err := checkParams(o.Params); err != nil {
		return err
	}
	for i, n := range o.OutputNames {
		if n == "" {
			return fmt.Errorf("bentoml: Options.OutputNames[%d]: must not be empty", i)
		}
	}
	return nil
}

// checkAPI accepts a route of non-empty segments, none "." or "..".
func checkAPI(api string) error {
	if api == "" {
		return nil
	}
	for _, seg := range strings.Split(api, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("bentoml: Options.API %q: must be a route without a leading \"/\", "+
				"empty segments, \".\" or \"..\" (e.g. \"predict\", \"v1/classify\")", api)
		}
	}
	return nil
}

// checkParams rejects empty names and two tensors sharing a parameter.
func checkParams(params map[string]string) error {
	owner := make(map[string]string, len(params))
	for _, tensor := range slices.Sorted(maps.Keys(params)) {
		param := params[tensor]
		switch {
		case tensor == "":
			return errors.New("bentoml: Options.Params: a tensor name is empty")
		case param == "":
			return fmt.Errorf("bentoml: Options.Params[%q]: the parameter name is empty", tensor)
		case owner[param] != "":
			return fmt.Errorf("bentoml: Options.Params: tensors %q and %q both map to parameter %q",
				owner[param], tensor, param)
		}
		owner[param] = tensor
	}
	return nil
}

// call starts an operation's error context.
func (a *Adapter) call(op string) jsonhttp.Call {
	return jsonhttp.Call{Op: op, Backend: a.backend, Model: a.model.String()}
}

// paramOf returns the parameter a tensor is sent as.
func (a *Adapter) paramOf(tensor string) string {
	if p, ok := a.params[tensor]; ok {
		return p
	}
	return tensor
}

// tensorOf returns the tensor name a parameter is filled from.
func (a *Adapter) tensorOf(param string) string {
	if t, ok := a.tensors[param]; ok {
		return t
	}
	return param
}
