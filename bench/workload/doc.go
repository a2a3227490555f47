// SPDX-License-Identifier: Apache-2.0

// Package workload defines what `make bench` sends: the four scenarios, the
// request bodies of each (byte-for-byte deterministic, so runs compare), the
// paths the direct, nginx and Caddy legs post to and the paths the modelgate
// leg posts to, and the fixed answers of the bench backend.
//
// Scenarios (Scenarios lists them in run order):
//
//   - oip-small: an OIP v2 request with one FP32 [1,4] tensor, forwarded
//     OIP → OIP. The peers post the same body to the backend's own
//     /v2/models/small/infer.
//   - v1-oip: a TF Serving REST v1 row request ({"instances": [[…]]});
//     modelgate decodes it against the model's OIP metadata, calls the OIP
//     backend and answers {"predictions": …}. The peers post the same body
//     to the backend's TF-Serving-style /v1/models/small:predict.
//   - v2-mlflow: modelgate takes an OIP v2 request and translates it into the
//     MLflow scoring server's {"dataframe_split": …} body for /invocations;
//     the peers post that dataframe body to /invocations directly.
//   - oip-1m-fp32: an OIP v2 request with one FP32 [1,1000000] tensor (flat
//     data, about 10 MB of JSON), OIP → OIP. The backend answers with a
//     small fixed output, so the leg measures the request path: decode,
//     validate, re-encode and forward of a large tensor.
//
// The package is used by the bench tools (bench/bodies writes the bodies,
// bench/backend answers them) and by the codec benchmarks next to it.
package workload
