// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/internal/jsonhttp"
)

// Adapter speaks the MLflow scoring server's protocol for one route target.
// It is safe for concurrent use; each method makes at most one upstream
// request. Its state (options and the MLmodel signature) is read-only
// after New.
type Adapter struct {
	backend  string
	base     *url.URL
	client   adapters.HTTPClient
	model    adapters.ModelRef
	outNames []string
	maxBytes int64
	format   Format
	columns  []string
	mlmodel  *mlmodel // nil without Options.MLmodelPath
}

var _ adapters.Adapter = (*Adapter)(nil)

// Platform is the ModelMetadata.Platform this adapter reports.
const Platform = "mlflow"

// New returns an Adapter for opts, or an error naming the first invalid
// option. With Options.MLmodelPath set it reads the MLmodel file, and fails
// if the file cannot be read or parsed.
func New(opts Options) (*Adapter, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	a := &Adapter{
		backend:  opts.Backend,
		base:     opts.BaseURL,
		client:   opts.Client,
		model:    opts.Model,
		outNames: slices.Clone(opts.OutputNames),
		maxBytes: opts.MaxResponseBytes,
		format:   opts.Format,
		columns:  slices.Clone(opts.Columns),
	}
	if a.backend == "" {
		a.backend = "mlflow"
	}
	if a.maxBytes <= 0 {
		a.maxBytes = jsonhttp.DefaultMaxResponseBytes
	}
	if opts.MLmodelPath != "" {
		m, err := readMLmodel(opts.MLmodelPath)
		if err != nil {
			return nil, fmt.Errorf("mlflow: Options.MLmodelPath: %w", err)
		}
		a.mlmodel = m
	}
	return a, nil
}

func (a *Adapter) call(op string) jsonhttp.Call {
	return jsonhttp.Call{Op: op, Backend: a.backend, Model: a.model.String()}
}

// Infer posts req to /invocations: tensors in Options.Format with
// Request.Parameters as "params", or a raw application/json or text/csv
// payload as it is. The model in req is not sent: the server serves one.
func (a *Adapter) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	call := a.call(opInfer)
	body, contentType, err := a.encodeRequest(req)
	if err != nil {
		return nil, call.Error(0, err)
	}
	u := jsonhttp.Endpoint(a.base, "invocations")
	hreq, err := jsonhttp.NewRequest(ctx, http.MethodPost, u, body, contentType)
	if err != nil {
		return nil, call.Error(0, err)
	}
	resp, data, err := call.Do(a.client, hreq, a.maxBytes)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(call, resp, data)
	}
	out, err := a.decodeResponse(data, req.Outputs)
	if err != nil {
		return nil, call.Error(resp.StatusCode, err)
	}
	out.ID, out.Model = req.ID, adapters.ModelRef{Name: a.model.Name}
	return out, nil
}

// ModelReady asks GET /ping: 200 is ready. A 404 wraps ErrModelNotFound:
// the scoring server answers it when it has no model loaded, and FastAPI
// or the docker image's nginx when the URL reaches no scoring server.
// Anything else, and connection failures, wrap ErrUnavailable. The server
// serves one model, so model is not consulted.
func (a *Adapter) ModelReady(ctx context.Context, _ adapters.ModelRef) error {
	call := a.call(opReady)
	hreq, err := jsonhttp.NewRequest(ctx, http.MethodGet, jsonhttp.Endpoint(a.base, "ping"), nil, "")
	if err != nil {
		return call.Error(0, err)
	}
	resp, data, err := call.Do(a.client, hreq, a.maxBytes)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusNotFound:
		return call.StatusError(resp, data, adapters.ErrModelNotFound)
	}
	return call.StatusError(resp, data, adapters.ErrUnavailable)
}

// ModelMetadata returns the signature read from Options.MLmodelPath by New
// (MLflow's server publishes none), with no upstream request. Without an
// MLmodel file it returns an error wrapping errors.ErrUnsupported.
func (a *Adapter) ModelMetadata(_ context.Context, _ adapters.ModelRef) (*adapters.ModelMetadata, error) {
	if a.mlmodel == nil {
		return nil, a.call(opMetadata).Error(0, fmt.Errorf(
			"%w: MLflow's scoring server publishes no signature; set the target's mlflow.mlmodel_path",
			errors.ErrUnsupported))
	}
	return &adapters.ModelMetadata{
		Name:     a.model.Name,
		Platform: Platform,
		Inputs:   metadataOf(a.mlmodel.inputs, nil, "input-"),
		Outputs:  metadataOf(a.mlmodel.outputs, a.outNames, "output-"),
	}, nil
}

// metadataOf renders a schema as tensor metadata. Unnamed specs are named
// from names, then prefix plus their index.
func metadataOf(s *schema, names []string, prefix string) []adapters.TensorMetadata {
	if s == nil {
		return []adapters.TensorMetadata{}
	}
	out := make([]adapters.TensorMetadata, len(s.specs))
	for i, sp := range s.specs {
		out[i] = adapters.TensorMetadata{Name: specName(sp.name, i, names, prefix), DType: sp.dtype, Shape: slices.Clone(sp.shape)}
	}
	return out
}

// specName is name, or names[i], or prefix+i.
func specName(name string, i int, names []string, prefix string) string {
	switch {
	case name != "":
		return name
	case i < len(names):
		return names[i]
	}
	return fmt.Sprintf("%s%d", prefix, i)
}
