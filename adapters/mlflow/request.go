// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/jsontext"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// Media types /invocations accepts (scoring_server/__init__.py: anything
// else is a 415, and the only content-type parameter allowed is a utf-8
// charset). PROTOCOLS.md §3.2 lists JSON and CSV; MLflow 3.17.2 also reads
// Parquet (CONTENT_TYPE_PARQUET).
const (
	contentTypeJSON    = "application/json"
	contentTypeCSV     = "text/csv"
	contentTypeParquet = "application/vnd.apache.parquet"
)

// encodeRequest renders req as an /invocations body and its content type.
func (a *Adapter) encodeRequest(req *adapters.Request) ([]byte, string, error) {
	if req.Raw != nil {
		return rawBody(req.Raw)
	}
	if err := adapters.ValidateInputs(req.Inputs); err != nil {
		return nil, "", err
	}
	var body []byte
	var err error
	if a.format == Inputs {
		body, err = a.appendInputs(append(body, '{'), req.Inputs)
	} else {
		body, err = a.appendDataframe(append(body, '{'), req.Inputs)
	}
	if err != nil {
		return nil, "", err
	}
	if body, err = appendParams(body, req.Parameters); err != nil {
		return nil, "", err
	}
	return append(body, '}'), contentTypeJSON, nil
}

// rawBody passes a payload of a media type MLflow reads through as it is:
// JSON in any of its layouts, including the unwrapped LLM ones
// ({"messages": …}), CSV (pandas.read_csv; a header row is required) and,
// since MLflow 3.x, Parquet. Any other media type, or a content-type
// parameter other than charset=utf-8, would get a 415 and is refused
// before the call with errors.ErrUnsupported: the payload may be fine, this
// backend cannot take it (the same answer TF Serving's adapter gives for
// any payload, and what the conformance kit asks of payloads an adapter
// cannot pass on). A content type that does not parse is ErrInvalidInput.
func rawBody(p *adapters.Payload) ([]byte, string, error) {
	mt, params, err := mime.ParseMediaType(p.ContentType)
	if err != nil {
		return nil, "", fmt.Errorf("%w: payload content type %q: %v", adapters.ErrInvalidInput, p.ContentType, err)
	}
	if mt != contentTypeJSON && mt != contentTypeCSV && mt != contentTypeParquet {
		return nil, "", fmt.Errorf("%w: MLflow reads application/json, text/csv and %s payloads, not %s",
			errors.ErrUnsupported, contentTypeParquet, mt)
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return nil, "", fmt.Errorf("%w: payload content type %q: MLflow reads UTF-8 only and no other parameter",
				errors.ErrUnsupported, p.ContentType)
		}
	}
	return p.Data, mt, nil
}

// appendInputs writes the "inputs" member: TF Serving's columnar layout,
// which MLflow parses with parse_tf_serving_input. A single input goes as
// a bare tensor unless the signature has several named inputs: MLflow
// names a bare tensor after a one-input signature itself, and hands it to
// signature-less models as one numpy array. BYTES values are sent as JSON
// strings (MLflow does not read {"b64": …}), so they must be UTF-8.
func (a *Adapter) appendInputs(dst []byte, inputs []adapters.Tensor) ([]byte, error) {
	for i := range inputs {
		if err := checkText(&inputs[i]); err != nil {
			return nil, err
		}
	}
	dst = append(dst, `"inputs":`...)
	if len(inputs) == 1 && !a.severalInputs() {
		return appendTensor(dst, &inputs[0])
	}
	dst = append(dst, '{')
	for i := range inputs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendString(dst, inputs[i].Name)
		dst = append(dst, ':')
		var err error
		if dst, err = appendTensor(dst, &inputs[i]); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

func (a *Adapter) severalInputs() bool {
	return a.mlmodel != nil && a.mlmodel.inputs.named() && len(a.mlmodel.inputs.specs) > 1
}

func appendTensor(dst []byte, t *adapters.Tensor) ([]byte, error) {
	out, err := v1json.AppendTensorJSON(dst, t)
	if err != nil {
		return nil, fmt.Errorf("%w: input %q: %v", adapters.ErrInvalidInput, t.Name, err)
	}
	return out, nil
}

// checkText rejects BYTES elements that are not UTF-8: MLflow carries text
// in JSON strings, and a lossy replacement would change the input.
func checkText(t *adapters.Tensor) error {
	for i, b := range t.Data.Bytes {
		if !utf8.Valid(b) {
			return fmt.Errorf("%w: input %q: element %d is not UTF-8 text; MLflow takes bytes only in columns "+
				"its signature declares binary (format dataframe_split)", adapters.ErrInvalidInput, t.Name, i)
		}
	}
	return nil
}

// appendParams writes Request.Parameters as the "params" member, in key
// order. MLflow validates them against the model's ParamSchema and ignores
// unknown ones.
func appendParams(dst []byte, p adapters.Parameters) ([]byte, error) {
	if len(p) == 0 {
		return dst, nil
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, `,"params":{`...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(jsontext.AppendString(dst, k), ':')
		var err error
		if dst, err = appendScalar(dst, p[k]); err != nil {
			return nil, fmt.Errorf("%w: parameter %q: %v", adapters.ErrInvalidInput, k, err)
		}
	}
	return append(dst, '}'), nil
}

func appendScalar(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return jsontext.AppendString(dst, v), nil
	case bool:
		return jsontext.AppendBool(dst, v), nil
	case int64:
		return jsontext.AppendInt(dst, v), nil
	case float64:
		return jsontext.AppendFloat64(dst, v, 64, true), nil
	}
	return nil, fmt.Errorf("value of type %T is not a string, bool, int64 or float64", v)
}
