// SPDX-License-Identifier: Apache-2.0

package tfserving

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/adapters"
)

// statusBody is the model status answer (PROTOCOLS.md §1.3; proto JSON of
// GetModelStatusResponse, get_model_status.proto): one entry per version,
// the version as a string, the state as an enum name.
type statusBody struct {
	ModelVersionStatus []struct {
		Version protoInt64 `json:"version"`
		State   string     `json:"state"`
		Status  struct {
			ErrorCode    string `json:"error_code"`
			ErrorMessage string `json:"error_message"`
		} `json:"status"`
	} `json:"model_version_status"`
	// Ready is KServe V1's model-ready answer on the same path,
	// {"name": "m", "ready": true} (PROTOCOLS.md §5), for a tfserving
	// target in front of KServe's V1 protocol.
	Ready *bool `json:"ready"`
}

// stateAvailable is the one ManagerState in which a version serves.
const stateAvailable = "AVAILABLE"

// readiness reads a status answer. The model is ready when any listed
// version is AVAILABLE: without a version TF Serving lists every version
// and predicts with the latest available one; with a version or label it
// lists just that one. Otherwise the error wraps ErrUnavailable and its
// message says each version's state (UNKNOWN, START and LOADING: not
// loaded yet; UNLOADING and END: going or gone, END with the load error if
// loading failed). A body that is not a status answer also wraps
// ErrUnavailable, since the readiness contract has no "bad answer"; known
// reports whether the answer listed the servable at all. KServe V1's
// {"name", "ready"} answer is read too.
func readiness(data []byte) (message string, known bool, err error) {
	var body statusBody
	if err := json.Unmarshal(data, &body); err != nil {
		return "", false, fmt.Errorf("%w: unreadable model status answer: %v", adapters.ErrUnavailable, err)
	}
	if len(body.ModelVersionStatus) == 0 {
		switch {
		case body.Ready == nil:
			return "no versions listed", false, adapters.ErrUnavailable
		case *body.Ready:
			return "", true, nil
		}
		return "the model is not ready (KServe V1 model status)", true, adapters.ErrUnavailable
	}
	var states []string
	for _, v := range body.ModelVersionStatus {
		if v.State == stateAvailable {
			return "", true, nil
		}
		s := fmt.Sprintf("version %d is %s", v.Version.v, v.State)
		if msg := strings.TrimSpace(v.Status.ErrorMessage); msg != "" {
			s += " (" + msg + ")"
		}
		states = append(states, s)
	}
	return adapters.TrimMessage(strings.Join(states, "; ")), true, adapters.ErrUnavailable
}
