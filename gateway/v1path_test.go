// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestV1PathParse checks the TF Serving path rules (PROTOCOLS.md §1.1 and
// http_rest_api_handler_test.cc's malformed cases).
func TestV1PathParse(t *testing.T) {
	t.Parallel()
	p := newV1Paths()
	tests := []struct {
		name, method, path string
		want               v1Call
		wantErr            string
	}{
		{"predict", "POST", "/v1/models/iris:predict", v1Call{model: "iris", verb: "predict"}, ""},
		{"predict version", "POST", "/v1/models/iris/versions/3:predict", v1Call{model: "iris", version: "3", verb: "predict"}, ""},
		{"version normalised", "POST", "/v1/models/iris/versions/007:predict", v1Call{model: "iris", version: "7", verb: "predict"}, ""},
		{"predict label", "POST", "/v1/models/iris/labels/stable:predict", v1Call{model: "iris", label: "stable", verb: "predict"}, ""},
		{"classify", "POST", "/v1/models/iris:classify", v1Call{model: "iris", verb: "classify"}, ""},
		{"regress", "POST", "/v1/models/iris:regress", v1Call{model: "iris", verb: "regress"}, ""},
		{"case-insensitive prefix", "POST", "/V1/MODELS/Iris/VERSIONS/2:predict", v1Call{model: "Iris", version: "2", verb: "predict"}, ""},
		{"verb compared exactly, as TF", "POST", "/v1/models/iris:PREDICT", v1Call{}, "Malformed request: POST /v1/models/iris:PREDICT"},
		{"percent-decoded name", "POST", "/v1/models/my%20model:predict", v1Call{model: "my model", verb: "predict"}, ""},
		{"encoded colon in name", "POST", "/v1/models/a%3Ab:predict", v1Call{model: "a:b", verb: "predict"}, ""},
		{"percent-decoded label", "POST", "/v1/models/iris/labels/can%2Dary:predict", v1Call{model: "iris", label: "can-ary", verb: "predict"}, ""},
		{"version and label", "POST", "/v1/models/iris/versions/50/labels/x:predict", v1Call{}, "Malformed request: POST /v1/models/iris/versions/50/labels/x:predict"},
		{"label then version", "POST", "/v1/models/iris/labels/x/versions/50:predict", v1Call{}, "Malformed request: POST /v1/models/iris/labels/x/versions/50:predict"},
		{"non-numeric version", "POST", "/v1/models/iris/versions/HELLO:predict", v1Call{}, "Malformed request: POST /v1/models/iris/versions/HELLO:predict"},
		{"singular version", "POST", "/v1/models/iris/version/50:predict", v1Call{}, "Malformed request: POST /v1/models/iris/version/50:predict"},
		{"singular label", "GET", "/v1/models/iris/label/x", v1Call{}, "Malformed request: GET /v1/models/iris/label/x"},
		{"version overflow", "POST", "/v1/models/iris/versions/99999999999999999999:predict", v1Call{}, "Failed to convert version: 99999999999999999999 to numeric."},
		{"unknown verb", "POST", "/v1/models/iris:explain", v1Call{}, "Malformed request: POST /v1/models/iris:explain"},
		{"GET on predict", "GET", "/v1/models/iris:predict", v1Call{}, "Malformed request: GET /v1/models/iris:predict"},
		{"POST on metadata", "POST", "/v1/models/iris/metadata", v1Call{}, "Malformed request: POST /v1/models/iris/metadata"},
		{"PUT", "PUT", "/v1/models/iris:predict", v1Call{}, "Malformed request: PUT /v1/models/iris:predict"},
		{"status", "GET", "/v1/models/iris", v1Call{model: "iris"}, ""},
		{"status version", "GET", "/v1/models/iris/versions/4", v1Call{model: "iris", version: "4"}, ""},
		{"metadata", "GET", "/v1/models/iris/metadata", v1Call{model: "iris", verb: "metadata"}, ""},
		{"metadata version", "GET", "/v1/models/iris/versions/4/metadata", v1Call{model: "iris", version: "4", verb: "metadata"}, ""},
		{"METADATA is status, as TF", "GET", "/v1/models/iris/METADATA", v1Call{model: "iris"}, ""},
		{"list models", "GET", "/v1/models", v1Call{}, ""},
		{"no model, version", "GET", "/v1/models/versions/3", v1Call{version: "3"}, ""},
		{"trailing slash", "GET", "/v1/models/iris/", v1Call{}, "Malformed request: GET /v1/models/iris/"},
		{"other v1 path", "GET", "/v1/foo", v1Call{}, "Malformed request: GET /v1/foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.parse(tt.method, tt.path)
			switch {
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("parse(%s %s): got error %v, want %q", tt.method, tt.path, err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parse(%s %s): got error %v, want none", tt.method, tt.path, err)
			}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(v1Call{})); d != "" {
				t.Errorf("parse(%s %s) (-want +got):\n%s", tt.method, tt.path, d)
			}
		})
	}
}
