// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// Adapter speaks TF Serving's REST API for one route target. It is safe for
// concurrent use; each method makes at most one upstream request.
type Adapter struct {
	backend  string
	base     *url.URL
	client   adapters.HTTPClient
	target   target
	outNames []string
	maxBytes int64
	sigName  string // the SignatureDef to run
	sendSig  string // signature_name sent in predict bodies; "" sends none
	format   v1json.Format
	state    servables
}

var _ adapters.Adapter = (*Adapter)(nil)

// New returns an Adapter for opts, or an error naming the first invalid
// option.
func New(opts Options) (*Adapter, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	format, _ := resolveFormat(opts.Format)
	a := &Adapter{
		backend:  opts.Backend,
		base:     opts.BaseURL,
		client:   opts.Client,
		target:   target{name: opts.Model.Name, version: opts.Model.Version, label: opts.Label},
		outNames: slices.Clone(opts.OutputNames),
		maxBytes: opts.MaxResponseBytes,
		sigName:  opts.SignatureName,
		sendSig:  opts.SignatureName,
		format:   format,
	}
	if a.backend == "" {
		a.backend = "tfserving"
	}
	if a.sigName == "" {
		a.sigName = DefaultSignatureName
	}
	if a.maxBytes <= 0 {
		a.maxBytes = jsonhttp.DefaultMaxResponseBytes
	}
	return a, nil
}

func (a *Adapter) call(op string, t target) jsonhttp.Call {
	return jsonhttp.Call{Op: op, Backend: a.backend, Model: t.String()}
}

// Infer runs req through POST /v1/models/{m}[…]:predict. If the servable's
// signature is cached (after a successful ModelMetadata), the request is
// checked against it first and the outputs take its names and datatypes;
// Infer itself never fetches metadata.
func (a *Adapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	t, err := a.resolve(req.Model)
	call := a.call(opInfer, t)
	if err != nil {
		return nil, call.Error(0, err)
	}
	sig := a.state.get(t.key()).sig
	body, err := a.encodeRequest(req, sig)
	if err != nil {
		return nil, call.Error(0, err)
	}
	hreq, err := jsonhttp.NewRequest(ctx, http.MethodPost, t.predictURL(a.base), body, "application/json")
	if err != nil {
		return nil, call.Error(0, err)
	}
	resp, data, err := call.Do(a.client, hreq, a.maxBytes)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, a.statusError(call, t, resp, data)
	}
	a.state.markSeen(t.key())
	outs, err := a.decodeResponse(data, sig, req.Outputs)
	if err != nil {
		return nil, call.Error(resp.StatusCode, err)
	}
	return &adapters.Response{ID: req.ID, Model: t.ref(), Outputs: outs}, nil
}

// encodeRequest checks req and renders the predict body.
func (a *Adapter) encodeRequest(req *adapters.Request, sig *signature) ([]byte, error) {
	if req.Raw != nil {
		return nil, fmt.Errorf("%w: TF Serving takes tensors, not a raw %q payload", errors.ErrUnsupported, req.Raw.ContentType)
	}
	if err := adapters.ValidateInputs(req.Inputs); err != nil {
		return nil, err
	}
	if sig != nil {
		if err := sig.checkRequest(req); err != nil {
			return nil, err
		}
	}
	body, err := v1json.AppendPredictRequest(nil, a.format, a.sendSig, req.Inputs)
	if err != nil {
		return nil, invalid(err)
	}
	return body, nil
}

// invalid makes sure an encoding error carries a kind: the codecs' errors
// wrap ErrInvalidInput (or errors.ErrUnsupported for FP16/BF16) already.
func invalid(err error) error {
	if jsonhttp.IsKind(err) {
		return err
	}
	return fmt.Errorf("%w: %v", adapters.ErrInvalidInput, err)
}

// ModelReady asks GET /v1/models/{m}[…] for the servable's status: nil when
// a version is AVAILABLE, ErrUnavailable while it loads or unloads (or after
// it failed to load, or when the answer is an error or unreadable),
// ErrModelNotFound when TF Serving does not know it (404, unknown label).
func (a *Adapter) ModelReady(ctx context.Context, model adapters.ModelRef) error {
	t, err := a.resolve(model)
	call := a.call(opReady, t)
	if err != nil {
		return call.Error(0, err)
	}
	resp, data, err := a.get(ctx, call, t.statusURL(a.base))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return a.statusError(call, t, resp, data)
	}
	msg, known, err := readiness(data)
	if known {
		// TF Serving lists the servable, whatever its state: it knows the
		// model, so a later predict 404 means "not loaded (yet)".
		a.state.markSeen(t.key())
	}
	if err != nil {
		e := call.Error(resp.StatusCode, err)
		e.Message = msg
		return e
	}
	return nil
}

// ModelMetadata returns the configured signature of the servable from GET
// /v1/models/{m}[…]/metadata, and caches it: from the first success on,
// Infer checks requests against the cached signature and gives outputs its
// names and datatypes. Every call asks TF Serving (one round trip per call,
// like every adapter method), so a rollout that changes the signature
// refreshes the cache; a failure leaves the cached signature as it was.
// A signature that TF Serving does not have wraps ErrModelNotFound.
func (a *Adapter) ModelMetadata(ctx context.Context, model adapters.ModelRef) (*adapters.ModelMetadata, error) {
	t, err := a.resolve(model)
	call := a.call(opMetadata, t)
	if err != nil {
		return nil, call.Error(0, err)
	}
	resp, data, err := a.get(ctx, call, t.metadataURL(a.base))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, a.statusError(call, t, resp, data)
	}
	md, sig, err := parseMetadata(data, a.sigName)
	if err != nil {
		a.state.markSeen(t.key()) // the model answered: it exists
		return nil, call.Error(resp.StatusCode, err)
	}
	a.state.storeSignature(t.key(), sig)
	return md, nil
}

// get performs one GET.
func (a *Adapter) get(ctx context.Context, call jsonhttp.Call, u *url.URL) (*http.Response, []byte, error) {
	req, err := jsonhttp.NewRequest(ctx, http.MethodGet, u, nil, "")
	if err != nil {
		return nil, nil, call.Error(0, err)
	}
	return call.Do(a.client, req, a.maxBytes)
}
