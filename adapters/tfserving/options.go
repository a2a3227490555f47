// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// DefaultSignatureName is the SignatureDef TF Serving runs when a request
// names none (kDefaultServingSignatureDefKey).
const DefaultSignatureName = "serving_default"

// Options configure an Adapter for one route target: one TF Serving model,
// optionally pinned to a version or a label, behind one backend.
type Options struct {
	// Backend is the backend's configured name, used in errors. If empty,
	// "tfserving".
	Backend string
	// BaseURL is TF Serving's REST address (its --rest_api_port listener),
	// e.g. http://127.0.0.1:8501. A path prefix is kept, for servers behind
	// a path-routing proxy. Required.
	BaseURL *url.URL
	// Client sends every upstream request; it carries the backend's
	// retries, breaker and timeouts. Required: http.DefaultClient is never
	// used.
	Client adapters.HTTPClient
	// Model is TF Serving's model name and, optionally, a numeric version
	// (/versions/{v}). An empty Version means the latest available version,
	// or Label if set. Name is required and may not contain "/" or ":",
	// which TF Serving's path pattern excludes.
	Model adapters.ModelRef
	// OutputNames name the output when TF Serving answers with a single
	// unnamed one and no signature has been fetched yet; the first name is
	// used. If empty, "output-0".
	OutputNames []string
	// MaxResponseBytes bounds an upstream response body. If <= 0, 64 MiB.
	MaxResponseBytes int64
	// SignatureName selects the SignatureDef to run. If empty,
	// DefaultSignatureName, and predict requests carry no signature_name
	// (TF Serving then runs its default); if set, every predict request
	// sends it.
	SignatureName string
	// Format is the predict body layout: v1json.Columnar ({"inputs": …},
	// answered with {"outputs": …}) or v1json.Row ({"instances": […]},
	// answered with {"predictions": […]}). If zero, Columnar.
	Format v1json.Format
	// Label selects a version label (/labels/{l}) from TF Serving's model
	// config. Mutually exclusive with Model.Version. May not contain "/"
	// or ":".
	Label string
}

// validate checks o, naming the first invalid field.
func (o *Options) validate() error {
	switch {
	case o.BaseURL == nil:
		return errors.New("tfserving: Options.BaseURL is required")
	case o.BaseURL.Scheme != "http" && o.BaseURL.Scheme != "https", o.BaseURL.Host == "":
		return fmt.Errorf("tfserving: Options.BaseURL %q: must be an absolute http(s) URL", o.BaseURL.Redacted())
	case o.Client == nil:
		return errors.New("tfserving: Options.Client is required (http.DefaultClient is never used)")
	case o.Model.Name == "":
		return errors.New("tfserving: Options.Model.Name is required")
	case o.Model.Version != "" && o.Label != "":
		return errors.New("tfserving: Options.Label and Options.Model.Version are mutually exclusive")
	}
	if err := checkPathName(o.Model.Name); err != nil {
		return fmt.Errorf("tfserving: Options.Model.Name: %w", err)
	}
	if err := checkVersion(o.Model.Version); err != nil {
		return fmt.Errorf("tfserving: Options.Model.Version: %w", err)
	}
	if err := checkPathName(o.Label); err != nil {
		return fmt.Errorf("tfserving: Options.Label: %w", err)
	}
	if _, err := resolveFormat(o.Format); err != nil {
		return err
	}
	for i, n := range o.OutputNames {
		if n == "" {
			return fmt.Errorf("tfserving: Options.OutputNames[%d]: must not be empty", i)
		}
	}
	return nil
}

// checkPathName rejects names TF Serving's path pattern cannot carry: its
// {name} and {label} segments exclude "/" and ":" (http_rest_api_util.cc).
func checkPathName(s string) error {
	if strings.ContainsAny(s, "/:") {
		return fmt.Errorf("%q must not contain \"/\" or \":\"", s)
	}
	return nil
}

// checkVersion rejects a version that is not all digits: TF Serving answers
// 400 "Malformed request" for /versions/v1.
func checkVersion(v string) error {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return fmt.Errorf("version %q is not a number, as TF Serving versions are", v)
		}
	}
	return nil
}

// resolveFormat applies the Columnar default and rejects unknown formats.
func resolveFormat(f v1json.Format) (v1json.Format, error) {
	switch f {
	case 0:
		return v1json.Columnar, nil
	case v1json.Row, v1json.Columnar:
		return f, nil
	}
	return f, fmt.Errorf("tfserving: Options.Format %v: must be v1json.Row or v1json.Columnar", f)
}
