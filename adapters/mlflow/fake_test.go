// SPDX-License-Identifier: Apache-2.0

package mlflow

import (
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/adapters/jsontext"
)

// fakeMLflow is a hand-written MLflow scoring server serving an iris-like
// classifier. It reproduces the wire protocol of PROTOCOLS.md §3.1–§3.4 as
// MLflow 3.17.2's mlflow/pyfunc/scoring_server/__init__.py behaves (bodies
// below were checked against a live `mlflow models serve`):
//
//   - GET /ping → 200, body "\n" labelled application/json (§3.1);
//   - POST /invocations: the content-type checks (415 text/plain for other
//     types or a non-utf-8 charset, 500 without a Content-Type), exactly one
//     of dataframe_split/dataframe_records/instances/inputs (§3.2), schema
//     enforcement of the four double columns, and answers written the way
//     Python's json.dumps writes them, {"predictions": [0, 1]} (§3.3);
//   - errors as MlflowException JSON, {"error_code", "message",
//     "sqlstate", "error_class"} plus "stack_trace" when the model raised
//     (§3.4), FastAPI's {"detail": …} for unknown paths and methods.
//
// The model answers class 0, 1 or 2 from petal_length, and raises (like
// scikit-learn) on NaN.
type fakeMLflow struct{}

// irisColumns is the fake model's signature, as in testdata/iris.MLmodel.
var irisColumns = []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}

func (fakeMLflow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/ping" && r.Method == http.MethodGet:
		writeBody(w, http.StatusOK, "application/json", "\n")
	case r.URL.Path == "/invocations" && r.Method == http.MethodPost:
		invocations(w, r)
	case r.URL.Path == "/invocations" || r.URL.Path == "/ping":
		writeBody(w, http.StatusMethodNotAllowed, "application/json", `{"detail":"Method Not Allowed"}`)
	default:
		writeBody(w, http.StatusNotFound, "application/json", `{"detail":"Not Found"}`)
	}
}

func writeBody(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// mlflowError writes an MlflowException the way serialize_as_json does.
func mlflowError(w http.ResponseWriter, status int, code, msg, stack string) {
	body := `{"error_code": ` + pyString(code) + `, "message": ` + pyString(msg)
	if stack != "" {
		body += `, "stack_trace": ` + pyString(stack)
	}
	writeBody(w, status, "application/json", body+"}")
}

// pyString quotes s as Python's json.dumps does (ASCII only).
func pyString(s string) string {
	return strconv.QuoteToASCII(s)
}

func invocations(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		// content_type.split(";") on None: FastAPI's generic 500.
		writeBody(w, http.StatusInternalServerError, "text/plain; charset=utf-8", "Internal Server Error")
		return
	}
	mt, params, _ := mime.ParseMediaType(ct)
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		writeBody(w, http.StatusUnsupportedMediaType, "text/plain; charset=utf-8", "The scoring server only supports UTF-8")
		return
	}
	body, _ := io.ReadAll(r.Body)
	switch mt {
	case "application/json":
		invokeJSON(w, body)
	case "text/csv":
		invokeCSV(w, string(body))
	default:
		writeBody(w, http.StatusUnsupportedMediaType, "text/plain; charset=utf-8",
			"This predictor only supports the following content types: Types: ['text/csv', 'application/json', "+
				"'application/vnd.apache.parquet']. Got '"+ct+"'.")
	}
}

const formatError = "Invalid input. The input must be a JSON dictionary with exactly one of the input fields " +
	"{'instances', 'inputs', 'dataframe_records', 'dataframe_split'}."

func invokeJSON(w http.ResponseWriter, body []byte) {
	v, err := jsontext.Parse(body)
	if err != nil {
		mlflowError(w, 400, "BAD_REQUEST", "Invalid input. Ensure that input is a valid JSON formatted string. Error: "+err.Error(), "")
		return
	}
	if v.Kind() == jsontext.Array {
		mlflowError(w, 400, "BAD_REQUEST", formatError+" Received a list.", "")
		return
	}
	var keys []string
	for _, k := range []string{"dataframe_split", "dataframe_records", "instances", "inputs"} {
		if v.Get(k) != nil {
			keys = append(keys, k)
		}
	}
	if len(keys) != 1 {
		mlflowError(w, 400, "BAD_REQUEST", formatError+fmt.Sprintf(" Received dictionary with input fields: %v.", keys), "")
		return
	}
	cols, err := columnsOf(keys[0], v.Get(keys[0]))
	if err != nil {
		mlflowError(w, 400, "BAD_REQUEST", "Invalid input. "+err.Error(), "")
		return
	}
	predict(w, cols)
}

// columnsOf reads the iris columns from a dataframe_split or inputs value.
func columnsOf(format string, v *jsontext.Value) (map[string][]float64, error) {
	cols := map[string][]float64{}
	switch format {
	case "dataframe_split":
		names := v.Get("columns")
		for r, row := range v.Get("data").Elems() {
			for j := range row.Elems() {
				name := strconv.Itoa(j)
				if n := names.Index(j); n != nil {
					name = n.Text()
				}
				f, err := row.Index(j).Float64()
				if err != nil {
					return nil, fmt.Errorf("Data is not compatible with model signature. Failed to convert column %s "+
						"to type 'float64'. Error: row %d: %v", name, r, err)
				}
				cols[name] = append(cols[name], f)
			}
		}
	case "inputs":
		for _, m := range v.Members() {
			for _, e := range m.Value.Elems() {
				f, err := e.Float64()
				if err != nil {
					return nil, fmt.Errorf("Data is not compatible with model signature. Failed to convert column %s "+
						"to type 'float64'. Error: %v", m.Name, err)
				}
				cols[m.Name] = append(cols[m.Name], f)
			}
		}
	default:
		return nil, fmt.Errorf("the fake does not parse %s", format)
	}
	return cols, nil
}

func invokeCSV(w http.ResponseWriter, body string) {
	lines := strings.Split(strings.TrimSpace(body), "\n")
	header := strings.Split(lines[0], ",")
	cols := map[string][]float64{}
	for _, line := range lines[1:] {
		for j, cell := range strings.Split(line, ",") {
			f, _ := strconv.ParseFloat(cell, 64)
			cols[header[j]] = append(cols[header[j]], f)
		}
	}
	predict(w, cols)
}

// predict enforces the schema and runs the model.
func predict(w http.ResponseWriter, cols map[string][]float64) {
	var missing []string
	for _, c := range irisColumns {
		if _, ok := cols[c]; !ok {
			missing = append(missing, "'"+c+"'")
		}
	}
	if len(missing) > 0 {
		mlflowError(w, 400, "INVALID_PARAMETER_VALUE", "Failed to predict data. \nError: Failed to enforce schema. "+
			"Error: Model is missing inputs ["+strings.Join(missing, ", ")+"].", "")
		return
	}
	var out []string
	for i, pl := range cols["petal_length"] {
		for _, c := range irisColumns {
			if math.IsNaN(cols[c][i]) {
				mlflowError(w, 400, "BAD_REQUEST", "Encountered an unexpected error while evaluating the model. Verify "+
					"that the serialized input Dataframe is compatible with the model for inference.",
					"Traceback (most recent call last):\n  File \"model.py\"\nValueError: Input X contains NaN.\n")
				return
			}
		}
		switch {
		case pl < 2.5:
			out = append(out, "0")
		case pl < 4.95:
			out = append(out, "1")
		default:
			out = append(out, "2")
		}
	}
	writeBody(w, http.StatusOK, "application/json", `{"predictions": [`+strings.Join(out, ", ")+`]}`)
}

func nan() float64 { return math.NaN() }
