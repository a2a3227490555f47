// SPDX-License-Identifier: Apache-2.0

package oip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// Options configure an Adapter.
type Options struct {
	// Backend is the backend's configured name, used in errors. Default: "oip".
	Backend string
	// BaseURL is the server's absolute http(s) URL; a path prefix is kept
	// (http://h/prefix → http://h/prefix/v2/…). Required.
	BaseURL *url.URL
	// Client makes every upstream call; it carries the resilience policy
	// (retries, breaker, timeouts). Required: there is no default client.
	Client adapters.HTTPClient
	// Model is the backend model the adapter serves. Calls whose ModelRef
	// has no name use it; calls for the same name without a version use
	// its version. If empty, every call must name its model.
	Model adapters.ModelRef
	// MaxResponseBytes bounds a response body. Default:
	// jsonhttp.DefaultMaxResponseBytes (64 MiB).
	MaxResponseBytes int64
}

// Adapter is an adapters.Adapter for one Open Inference Protocol v2 server.
// It is safe for concurrent use.
type Adapter struct {
	backend  string
	base     *url.URL
	client   adapters.HTTPClient
	model    adapters.ModelRef
	maxBytes int64
	// inferURL is the infer endpoint of model, built once; nil when the
	// adapter has no model. It is never modified.
	inferURL *url.URL
}

var _ adapters.Adapter = (*Adapter)(nil)

// The operation names of adapters.Error.Op.
const (
	opInfer    = "infer"
	opReady    = "ready"
	opMetadata = "metadata"
)

// New validates opts and returns the Adapter.
func New(opts Options) (*Adapter, error) {
	switch {
	case opts.BaseURL == nil:
		return nil, errors.New("oip: Options.BaseURL is required")
	case !opts.BaseURL.IsAbs() || (opts.BaseURL.Scheme != "http" && opts.BaseURL.Scheme != "https") || opts.BaseURL.Host == "":
		return nil, fmt.Errorf("oip: Options.BaseURL %q: must be an absolute http(s) URL", opts.BaseURL.Redacted())
	case opts.Client == nil:
		return nil, errors.New("oip: Options.Client is required")
	case opts.MaxResponseBytes < 0:
		return nil, fmt.Errorf("oip: Options.MaxResponseBytes: must not be negative (got %d)", opts.MaxResponseBytes)
	case opts.Model.Name == "" && opts.Model.Version != "":
		return nil, errors.New("oip: Options.Model.Version is set without Options.Model.Name")
	}
	a := &Adapter{backend: opts.Backend, base: opts.BaseURL, client: opts.Client, model: opts.Model,
		maxBytes: opts.MaxResponseBytes}
	if a.backend == "" {
		a.backend = "oip"
	}
	if a.maxBytes == 0 {
		a.maxBytes = jsonhttp.DefaultMaxResponseBytes
	}
	if a.model.Name != "" {
		a.inferURL = a.endpoint(a.model, "infer")
	}
	return a, nil
}

// resolve returns the model a call addresses: ref, completed from
// Options.Model.
func (a *Adapter) resolve(ref adapters.ModelRef) adapters.ModelRef {
	switch {
	case ref.Name == "":
		return a.model
	case ref.Name == a.model.Name && ref.Version == "":
		ref.Version = a.model.Version
	}
	return ref
}

// endpoint returns /v2/models/{m}[/versions/{v}] followed by last.
func (a *Adapter) endpoint(m adapters.ModelRef, last ...string) *url.URL {
	segs := make([]string, 0, 6)
	segs = append(segs, "v2", "models", m.Name)
	if m.Version != "" {
		segs = append(segs, "versions", m.Version)
	}
	return jsonhttp.Endpoint(a.base, append(segs, last...)...)
}

// begin starts op on ref: the model addressed, its jsonhttp.Call, and an
// error if no model is named.
func (a *Adapter) begin(op string, ref adapters.ModelRef) (adapters.ModelRef, jsonhttp.Call, error) {
	m := a.resolve(ref)
	call := jsonhttp.Call{Op: op, Backend: a.backend, Model: m.String()}
	if m.Name == "" {
		return m, call, call.Error(0, fmt.Errorf("%w: no model named (the request has none and Options.Model is empty)", adapters.ErrInvalidInput))
	}
	return m, call, nil
}

// get performs a GET of u for call.
func (a *Adapter) get(ctx context.Context, call jsonhttp.Call, u *url.URL) (*http.Response, []byte, error) {
	req, err := jsonhttp.NewRequest(ctx, http.MethodGet, u, nil, "")
	if err != nil {
		return nil, nil, call.Error(0, fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err))
	}
	return call.Do(a.client, req, a.maxBytes)
}

// ModelReady asks GET /v2/models/{m}[/versions/{v}]/ready. Only 200 means
// ready (PROTOCOLS.md §6.2); 404 wraps adapters.ErrModelNotFound and any
// other answer adapters.ErrUnavailable.
func (a *Adapter) ModelReady(ctx context.Context, model adapters.ModelRef) error {
	m, call, err := a.begin(opReady, model)
	if err != nil {
		return err
	}
	resp, body, err := a.get(ctx, call, a.endpoint(m, "ready"))
	switch {
	case err != nil:
		return err
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return call.StatusError(resp, body, adapters.ErrModelNotFound)
	}
	return call.StatusError(resp, body, adapters.ErrUnavailable)
}

// ModelMetadata reads GET /v2/models/{m}[/versions/{v}].
func (a *Adapter) ModelMetadata(ctx context.Context, model adapters.ModelRef) (*adapters.ModelMetadata, error) {
	m, call, err := a.begin(opMetadata, model)
	if err != nil {
		return nil, err
	}
	resp, body, err := a.get(ctx, call, a.endpoint(m))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, call.StatusError(resp, body, kindFor(resp.StatusCode, body))
	}
	md, err := adapters.DecodeMetadata(body)
	if err != nil {
		return nil, call.Error(resp.StatusCode, jsonhttp.Malformed(err))
	}
	return md, nil
}
