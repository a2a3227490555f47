// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// outageFast is the longest a request to a stopped backend may take: a
// refused connection, two short retries, no waiting for timeouts.
const outageFast = 2 * time.Second

// TestBackendStopped stops KServe with compose/native/down in the middle of
// the test: a route served only by KServe answers 503 quickly with a
// message naming the backend, in both front protocols and for readiness;
// the route with an MLflow fallback keeps answering; after
// compose/native/up the KServe route serves again on its own.
func TestBackendStopped(t *testing.T) {
	e, g := startFunctional(t)
	c := testClient()
	infer := g.URL + "/v2/models/iris-kserve/infer"
	body := v2Body("input-0", "FP32")
	mustStatus(t, "before the outage", call(t, c, "POST", infer, body), 200)

	e.restartOnCleanup(t, "kserve")
	d := e.native(t, "down", "kserve")
	figure(t, "kserve_down_ms=%d", d.Milliseconds())

	cases := []struct{ name, method, path, body string }{
		{"v2 infer", "POST", "/v2/models/iris-kserve/infer", body},
		{"v1 predict", "POST", "/v1/models/iris-kserve:predict", v1Bodies(false)["row"]},
		{"v2 ready", "GET", "/v2/models/iris-kserve/ready", ""},
	}
	checkV1StatusDown(t, c, g)
	for _, tc := range cases {
		r := call(t, c, tc.method, g.URL+tc.path, tc.body)
		figure(t, "outage_%s_ms=%d", strings.ReplaceAll(tc.name, " ", "_"), r.Elapsed.Milliseconds())
		if r.Status != 503 {
			t.Errorf("%s with kserve down: got %s, want 503", tc.name, r)
			continue
		}
		if msg := r.ErrMsg(); !strings.Contains(msg, `backend "kserve"`) || !strings.Contains(msg, "unavailable") {
			t.Errorf("%s: error %q, want it to say backend \"kserve\" is unavailable", tc.name, msg)
		}
		if r.Elapsed > outageFast {
			t.Errorf("%s: 503 after %v, want under %v (no hang)", tc.name, r.Elapsed, outageFast)
		}
	}

	r := call(t, c, "POST", g.URL+"/v2/models/iris/infer", body)
	mustStatus(t, "route with a fallback", r, 200)
	if got := r.Header.Get("X-Modelgate-Backend"); got != "mlflow" {
		t.Errorf("fallback: X-Modelgate-Backend got %q, want mlflow", got)
	}
	var resp v2Response
	decode(t, r, &resp)
	checkClasses(t, resp.output(t, "output-0"))

	d = e.native(t, "up", "kserve")
	figure(t, "kserve_restart_ms=%d", d.Milliseconds())
	// The breaker (default open_for 10s) may have opened during the outage;
	// the route must recover by itself within that.
	recovered := waitFor(t.Context(), 15*time.Second, func() bool {
		return call(t, c, "POST", infer, body).Status == 200
	})
	if recovered < 0 {
		t.Fatalf("iris-kserve did not serve again within 15s of kserve being ready")
	}
	figure(t, "outage_recovery_after_ready_ms=%d", recovered.Milliseconds())
}

// checkV1StatusDown checks the TF Serving status of the KServe route while
// KServe is down: like TF Serving, a 200 whose version status is not
// AVAILABLE, with error_code UNAVAILABLE and a message naming the backend.
func checkV1StatusDown(t *testing.T, c *http.Client, g *gatewayProc) {
	t.Helper()
	r := call(t, c, "GET", g.URL+"/v1/models/iris-kserve", "")
	figure(t, "outage_v1_status_ms=%d", r.Elapsed.Milliseconds())
	mustStatus(t, "v1 status with kserve down", r, 200)
	var st struct {
		Versions []struct {
			State  string `json:"state"`
			Status struct {
				Code    string `json:"error_code"`
				Message string `json:"error_message"`
			} `json:"status"`
		} `json:"model_version_status"`
	}
	decode(t, r, &st)
	if len(st.Versions) != 1 || st.Versions[0].State == "AVAILABLE" || st.Versions[0].Status.Code != "UNAVAILABLE" ||
		!strings.Contains(st.Versions[0].Status.Message, `backend "kserve"`) {
		t.Errorf("v1 status with kserve down: got %s, want a state other than AVAILABLE, error_code UNAVAILABLE and a message naming backend \"kserve\"", r.Body)
	}
	if r.Elapsed > outageFast {
		t.Errorf("v1 status: answered after %v, want under %v", r.Elapsed, outageFast)
	}
}

// waitFor polls ok every 100ms until it is true and returns how long that
// took, or -1 after limit.
func waitFor(ctx context.Context, limit time.Duration, ok func() bool) time.Duration {
	start := time.Now()
	for time.Since(start) < limit && ctx.Err() == nil {
		if ok() {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return -1
}
