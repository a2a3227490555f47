// SPDX-License-Identifier: Apache-2.0

package workload

import (
	"fmt"
	"strconv"
)

// Model names: the bench backend serves any name; modelgate's bench config
// (bench/modelgate.yaml) routes these.
const (
	// SmallModel is the OIP model of the small-tensor and v1 scenarios.
	SmallModel = "small"
	// BigModel is the OIP model of the 1M-element scenario.
	BigModel = "big"
	// MLflowModel is modelgate's route to the MLflow-style backend.
	MLflowModel = "iris"
)

// BigElements is the element count of the large FP32 tensor.
const BigElements = 1_000_000

// Scenario is one row of the bench table: what the peers (direct, nginx,
// Caddy) are sent and what modelgate is sent for the same work.
type Scenario struct {
	// Name identifies the scenario in the table and in file names.
	Name string
	// Title describes it in one line.
	Title string
	// PeerPath and PeerBody are posted to the backend, directly or through
	// nginx or Caddy.
	PeerPath string
	PeerBody []byte
	// GatewayPath and GatewayBody are posted to modelgate.
	GatewayPath string
	GatewayBody []byte
	// Big marks the large-body scenario, run with fewer connections.
	Big bool
}

// Scenarios returns the four scenarios in run order.
func Scenarios() []Scenario {
	small := SmallOIP()
	big := BigOIP(BigElements)
	return []Scenario{
		{
			Name: "oip-small", Title: "OIP→OIP, FP32 [1,4]",
			PeerPath: InferPath(SmallModel), PeerBody: small,
			GatewayPath: InferPath(SmallModel), GatewayBody: small,
		},
		{
			Name: "v1-oip", Title: "TF Serving v1 row → OIP",
			PeerPath: PredictPath(SmallModel), PeerBody: SmallV1(),
			GatewayPath: PredictPath(SmallModel), GatewayBody: SmallV1(),
		},
		{
			Name: "v2-mlflow", Title: "OIP v2 → MLflow dataframe_split",
			PeerPath: "/invocations", PeerBody: SmallDataframe(),
			GatewayPath: InferPath(MLflowModel), GatewayBody: small,
		},
		{
			Name: "oip-1m-fp32", Title: "OIP→OIP, FP32 [1,1000000]",
			PeerPath: InferPath(BigModel), PeerBody: big,
			GatewayPath: InferPath(BigModel), GatewayBody: big,
			Big: true,
		},
	}
}

// InferPath is the OIP v2 infer path of model.
func InferPath(model string) string { return "/v2/models/" + model + "/infer" }

// PredictPath is the TF Serving REST v1 predict path of model.
func PredictPath(model string) string { return "/v1/models/" + model + ":predict" }

// Columns returns the dataframe column names of the MLflow scenario, in
// order: the four iris features.
func Columns() []string {
	return []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}
}

// smallRow is the one example of the small scenarios.
const smallRow = `[5.1,3.5,1.4,0.2]`

// SmallOIP returns an OIP v2 request with one FP32 [1,4] input named
// "input-0".
func SmallOIP() []byte {
	return []byte(`{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP32","data":` + smallRow + `}]}`)
}

// SmallV1 returns a TF Serving REST v1 row-format request for one example.
func SmallV1() []byte {
	return []byte(`{"instances":[` + smallRow + `]}`)
}

// SmallDataframe returns the /invocations body modelgate sends for
// SmallOIP with Columns configured: pandas split orient, one row.
func SmallDataframe() []byte {
	b := []byte(`{"dataframe_split":{"columns":[`)
	for i, c := range Columns() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c)
	}
	return append(b, `],"data":[`+smallRow+`]}}`...)
}

// BigOIP returns an OIP v2 request with one FP32 [1,n] input named
// "input-0", data flat, values in [0,1) from a fixed xorshift sequence
// written in their shortest float32 form (about 10 bytes each). The same n
// always gives the same bytes.
func BigOIP(n int) []byte {
	b := make([]byte, 0, 96+n*11)
	b = fmt.Appendf(b, `{"inputs":[{"name":"input-0","shape":[1,%d],"datatype":"FP32","data":[`, n)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		f := float32(x>>40) / (1 << 24) // 24 random bits: exact in float32
		b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
	}
	return append(b, `]}]}`...)
}
