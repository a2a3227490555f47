// SPDX-License-Identifier: Apache-2.0

// Package mlflow is the adapter for MLflow's scoring server, `mlflow models
// serve` (PROTOCOLS.md §3). The server serves one model, with no name or
// version in its API, so one Adapter stands for one server.
//
//	Infer          POST /invocations   (JSON; raw CSV or Parquet as given)
//	ModelReady     GET  /ping          (200 = ready, 404 = no model)
//	ModelMetadata  the MLmodel file's signature, read from a local path
//
// Tensors are sent in one of two layouts (Options.Format):
//
//   - DataframeSplit (default): {"dataframe_split": {"columns": [...],
//     "data": [[...], ...]}}, for tabular models. Each [N] or [N,1] input is
//     one column; a single [N,k] input is split into k columns. Column
//     names and order come from Options.Columns, else the MLmodel
//     signature, else the input names; a [N,k] input with no known names
//     is sent without "columns" (pandas numbers them). Inputs that do not
//     fit (other ranks, unequal rows, unknown or missing required columns)
//     are ErrInvalidInput before any call. Binary columns of the signature
//     travel base64-encoded, other BYTES as UTF-8 text.
//   - Inputs: {"inputs": {name: tensor, ...}} or a bare tensor for one
//     input — TF Serving's columnar layout, which MLflow reads with
//     parse_tf_serving_input — for tensor models.
//
// Request.Parameters go in "params". A raw payload is passed through when
// it is application/json (any MLflow layout, including the unwrapped
// LLM-style bodies), text/csv or Parquet; other media types are refused
// before the call with errors.ErrUnsupported, as MLflow would answer 415.
//
// Answers are {"predictions": X}; see decodeResponse for how X becomes
// tensors, and when the answer is returned as a Raw JSON payload instead.
// Errors follow PROTOCOLS.md §3.4 with the decisions documented on
// classify: the 400 MLflow sends when the model raised is ErrModelFailed,
// other 400s ErrInvalidInput, 504 ErrUnavailable; stack traces are never
// passed on.
//
// Not supported: the dataframe_records and instances layouts (split and
// inputs cover the same data), MLflow served through MLServer
// (--enable-mlserver speaks the Open Inference Protocol: use the oip
// adapter), and model versions (fixed per server).
//
// Config (a route target on an mlflow backend):
//
//	models:
//	  - name: iris
//	    targets:
//	      - backend: mlflow-iris
//	        outputs: [label]            # name of the unnamed prediction list
//	        mlflow:
//	          format: dataframe_split   # or inputs
//	          columns: []               # default: from the MLmodel signature
//	          mlmodel_path: /models/iris/MLmodel
package mlflow
