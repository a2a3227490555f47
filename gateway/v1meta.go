// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/adapters"
)

// TF Serving JSON shapes (PROTOCOLS.md §1.3), with proto field names and
// defaults printed, as TF prints them.
type (
	tfStatusResponse struct {
		ModelVersionStatus []tfVersionStatus `json:"model_version_status"`
	}
	tfVersionStatus struct {
		Version string   `json:"version"`
		State   string   `json:"state"`
		Status  tfStatus `json:"status"`
	}
	tfStatus struct {
		ErrorCode    string `json:"error_code"`
		ErrorMessage string `json:"error_message"`
	}
	tfMetadataResponse struct {
		ModelSpec tfModelSpec `json:"model_spec"`
		Metadata  struct {
			SignatureDef struct {
				SignatureDef map[string]tfSignatureDef `json:"signature_def"`
			} `json:"signature_def"`
		} `json:"metadata"`
	}
	tfModelSpec struct {
		Name          string `json:"name"`
		SignatureName string `json:"signature_name"`
		Version       string `json:"version,omitempty"`
	}
	tfSignatureDef struct {
		Inputs     map[string]tfTensorInfo `json:"inputs"`
		Outputs    map[string]tfTensorInfo `json:"outputs"`
		MethodName string                  `json:"method_name"`
		Defaults   struct{}                `json:"defaults"`
	}
	tfTensorInfo struct {
		DType       string        `json:"dtype"`
		TensorShape tfTensorShape `json:"tensor_shape"`
		Name        string        `json:"name"`
	}
	tfTensorShape struct {
		Dim         []tfDim `json:"dim"`
		UnknownRank bool    `json:"unknown_rank"`
	}
	tfDim struct {
		Size string `json:"size"`
		Name string `json:"name"`
	}
)

// tfDTypes names the OIP datatypes as TF DataType enum values.
var tfDTypes = [...]string{
	adapters.Invalid: "DT_INVALID",
	adapters.Bool:    "DT_BOOL",
	adapters.Uint8:   "DT_UINT8",
	adapters.Uint16:  "DT_UINT16",
	adapters.Uint32:  "DT_UINT32",
	adapters.Uint64:  "DT_UINT64",
	adapters.Int8:    "DT_INT8",
	adapters.Int16:   "DT_INT16",
	adapters.Int32:   "DT_INT32",
	adapters.Int64:   "DT_INT64",
	adapters.FP16:    "DT_HALF",
	adapters.FP32:    "DT_FLOAT",
	adapters.FP64:    "DT_DOUBLE",
	adapters.Bytes:   "DT_STRING",
	adapters.BF16:    "DT_BFLOAT16",
}

// tfDType returns d's TF name.
func tfDType(d adapters.DType) string {
	if int(d) < len(tfDTypes) {
		return tfDTypes[d]
	}
	return "DT_INVALID"
}

// modelStatus renders readiness as TF's status: AVAILABLE when a target is
// ready (failed is nil); otherwise state UNKNOWN with error_code UNAVAILABLE
// and the reasons, since the uniform contract cannot tell loading from down.
func modelStatus(x *exchange, failed []error) tfStatusResponse {
	st := tfVersionStatus{Version: x.reportedVersion(), State: "AVAILABLE", Status: tfStatus{ErrorCode: "OK"}}
	if st.Version == "" {
		st.Version = "0"
	}
	if failed != nil {
		reasons := make([]string, len(failed))
		for i, err := range failed {
			reasons[i] = targetReason(err)
		}
		st.State = "UNKNOWN"
		st.Status = tfStatus{ErrorCode: "UNAVAILABLE", ErrorMessage: strings.Join(reasons, "; ")}
	}
	return tfStatusResponse{ModelVersionStatus: []tfVersionStatus{st}}
}

// reportedVersion is the version to show TF clients: the one in the path,
// else the answering (or first) target's configured numeric version, else "".
func (x *exchange) reportedVersion() string {
	if x.version != "" {
		return x.version
	}
	t := x.answered
	if t == nil {
		t = x.rt.targets[0]
	}
	if _, err := strconv.ParseInt(t.model.Version, 10, 64); err == nil {
		return t.model.Version
	}
	return ""
}

// tfMetadata renders OIP metadata as TF's metadata response with one
// "serving_default" predict signature.
func tfMetadata(routeName, version string, md *adapters.ModelMetadata) tfMetadataResponse {
	var out tfMetadataResponse
	out.ModelSpec = tfModelSpec{Name: routeName, Version: version}
	out.Metadata.SignatureDef.SignatureDef = map[string]tfSignatureDef{
		v1SignatureName: {
			Inputs:     tfTensors(md.Inputs),
			Outputs:    tfTensors(md.Outputs),
			MethodName: "tensorflow/serving/predict",
		},
	}
	return out
}

// tfTensors renders tensor metadata keyed by name; sizes are strings, as
// proto3 JSON prints int64.
func tfTensors(ts []adapters.TensorMetadata) map[string]tfTensorInfo {
	m := make(map[string]tfTensorInfo, len(ts))
	for _, t := range ts {
		dims := make([]tfDim, len(t.Shape))
		for i, d := range t.Shape {
			dims[i] = tfDim{Size: strconv.FormatInt(d, 10)}
		}
		m[t.Name] = tfTensorInfo{DType: tfDType(t.DType), TensorShape: tfTensorShape{Dim: dims}, Name: t.Name}
	}
	return m
}
