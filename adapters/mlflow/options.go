// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/modelgate/modelgate/adapters"
)

// Format is the JSON layout of /invocations request bodies.
type Format uint8

// The request formats MLflow's scoring server reads (PROTOCOLS.md §3.2).
const (
	// DataframeSplit sends {"dataframe_split": {"columns": [...], "data":
	// [[...], ...]}}: one column per rank-1 input, or the columns of one
	// [N,k] input. The default, and what tabular (pandas) models expect.
	DataframeSplit Format = iota
	// Inputs sends TF Serving's columnar layout, {"inputs": {name:
	// tensor}}, or a bare tensor for a single input: what tensor models
	// and models whose signature comes from type hints expect.
	Inputs
)

// String returns the format's config name: "dataframe_split" or "inputs".
func (f Format) String() string {
	switch f {
	case DataframeSplit:
		return "dataframe_split"
	case Inputs:
		return "inputs"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat returns the format with config name s; "" is DataframeSplit.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "dataframe_split":
		return DataframeSplit, nil
	case "inputs":
		return Inputs, nil
	}
	return 0, fmt.Errorf("unknown MLflow format %q (want dataframe_split or inputs)", s)
}

// Options configure an Adapter for one route target: the one model an
// MLflow scoring server (`mlflow models serve`) serves.
type Options struct {
	// Backend is the backend's configured name, used in errors. If empty,
	// "mlflow".
	Backend string
	// BaseURL is the scoring server's address, e.g. http://127.0.0.1:5000
	// (or the nginx port 8080 of a `mlflow models build-docker` image). A
	// path prefix is kept. Required.
	BaseURL *url.URL
	// Client sends every upstream request; it carries the backend's
	// retries, breaker and timeouts. Required: http.DefaultClient is never
	// used.
	Client adapters.HTTPClient
	// Model names the served model in errors and responses. MLflow serves
	// one model per server and has no model name or version in its API, so
	// Model.Version must be empty: the version is fixed when the server
	// starts (models:/name/3).
	Model adapters.ModelRef
	// OutputNames name unnamed outputs (a bare list of predictions), in
	// order. If empty, the MLmodel signature's output names, else
	// "output-0".
	OutputNames []string
	// MaxResponseBytes bounds an upstream response body. If <= 0, 64 MiB.
	MaxResponseBytes int64
	// Format is the request body layout. If zero, DataframeSplit.
	Format Format
	// Columns are the dataframe's column names, in order, for
	// DataframeSplit. If empty, the MLmodel signature's input names, else
	// the input tensors' names.
	Columns []string
	// MLmodelPath is the local path of the served model's MLmodel file.
	// If set, New reads its signature once: ModelMetadata reports it,
	// DataframeSplit takes column names, order and types (binary columns
	// travel base64-encoded) from it, and outputs take its names and
	// datatypes. If empty, ModelMetadata returns errors.ErrUnsupported.
	MLmodelPath string
}

// validate checks o, naming the first invalid field.
func (o *Options) validate() error {
	switch {
	case o.BaseURL == nil:
		return errors.New("mlflow: Options.BaseURL is required")
	case o.BaseURL.Scheme != "http" && o.BaseURL.Scheme != "https", o.BaseURL.Host == "":
		return fmt.Errorf("mlflow: Options.BaseURL %q: must be an absolute http(s) URL", o.BaseURL.Redacted())
	case o.Client == nil:
		return errors.New("mlflow: Options.Client is required (http.DefaultClient is never used)")
	case o.Model.Version != "":
		return fmt.Errorf("mlflow: Options.Model.Version %q: MLflow serves one fixed version per server; leave it empty", o.Model.Version)
	case o.Format != DataframeSplit && o.Format != Inputs:
		return fmt.Errorf("mlflow: Options.Format %v: must be DataframeSplit or Inputs", o.Format)
	}
	if err := checkNames("Options.Columns", o.Columns); err != nil {
		return err
	}
	return checkNames("Options.OutputNames", o.OutputNames)
}

// checkNames rejects empty and duplicate names.
func checkNames(field string, names []string) error {
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		switch {
		case n == "":
			return fmt.Errorf("mlflow: %s[%d]: must not be empty", field, i)
		case seen[n]:
			return fmt.Errorf("mlflow: %s[%d]: %q appears twice", field, i, n)
		}
		seen[n] = true
	}
	return nil
}
