// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// budgetConfig routes iris to TorchServe with a retry budget and a breaker
// that cannot open during the test, so the budget alone bounds attempts.
const budgetConfig = `
server: {shutdown_timeout: 5s}
backends:
  - name: torchserve
    kind: torchserve
    url: "http://127.0.0.1:{{.TorchServe}}"
    torchserve: {management_url: "http://127.0.0.1:{{.TorchServeMgmt}}"}
    timeout: 5s
    max_concurrency: 0
    retry: {max_attempts: 3, backoff_min: 1ms, backoff_max: 5ms, budget_ratio: {{.Ratio}}, budget_floor: {{.Floor}}}
    breaker: {consecutive_failures: 1000000, open_for: 1s}
models:
  - name: iris-torchserve
    timeout: 5s
    targets:
      - {backend: torchserve, model: iris, torchserve: {envelope: instances}}
`

// Budget settings and offered load of TestRetryBudget.
const (
	budgetRatio    = 0.2
	budgetFloor    = 10
	budgetRequests = 300
	budgetClients  = 10
	budgetWindow   = 10 * time.Second // the budget's sliding window (budget_floor is per 10 s)
)

// TestRetryBudget scales TorchServe's iris model to zero workers, so the
// real server answers 503 "has no worker" to every prediction (a
// retryable outage), offers budgetRequests requests and counts what
// TorchServe itself received: at most (1 + budget_ratio) × requests +
// budget_floor per window.
func TestRetryBudget(t *testing.T) {
	e := mustEnv(t)
	e.requireBackends(t, "torchserve")
	scaleTorchServe(t, e, 0)
	t.Cleanup(func() { restoreTorchServe(t, e) })
	direct := call(t, testClient(), "POST", local(e.TorchServe, "/predictions/iris"), `{"instances": [[5.1, 3.5, 1.4, 0.2]]}`)
	if direct.Status != 503 || !strings.Contains(string(direct.Body), "no worker") {
		t.Fatalf("TorchServe with 0 workers answered %s, want 503 \"has no worker\"", direct)
	}
	g := startGateway(t, e, render(t, e, budgetConfig, map[string]any{"Ratio": budgetRatio, "Floor": budgetFloor}))
	url, body := g.URL+"/v2/models/iris-torchserve/infer", v2Body("input-0", "FP32")
	r := call(t, testClient(), "POST", url, body)
	if msg := r.ErrMsg(); r.Status != 503 || !strings.Contains(msg, `backend "torchserve"`) {
		t.Errorf("through the gateway: got %s, want 503 naming backend \"torchserve\"", r)
	}

	before := torchServeCounts(t, e)
	start := time.Now()
	statuses, attempts := offer(t, url, body)
	elapsed := time.Since(start)
	time.Sleep(time.Second) // TorchServe's access log is written asynchronously
	after := torchServeCounts(t, e)

	got5xx, gotLog := after.requests5xx-before.requests5xx, after.accessLog-before.accessLog
	windows := math.Ceil(elapsed.Seconds() / budgetWindow.Seconds())
	// The probe request above also earned budget_ratio of a retry.
	limit := int((1+budgetRatio)*budgetRequests + budgetRatio + budgetFloor*windows)
	figure(t, "budget requests=%d backend_attempts=%d access_log=%d gateway_attempts=%d limit=%d no_budget_would_be=%d elapsed_ms=%d",
		budgetRequests, got5xx, gotLog, attempts, limit, 3*budgetRequests, elapsed.Milliseconds())
	if statuses[503] != budgetRequests {
		t.Errorf("client statuses %v, want %d × 503", statuses, budgetRequests)
	}
	if got5xx != gotLog {
		t.Errorf("TorchServe counted %d 5xx answers but logged %d predictions: the counts disagree", got5xx, gotLog)
	}
	if got5xx < budgetRequests || got5xx > limit {
		t.Errorf("TorchServe received %d attempts for %d requests, want between %d and %d (1+%.1f × requests + %d per window)",
			got5xx, budgetRequests, budgetRequests, limit, budgetRatio, budgetFloor)
	}
	if attempts != got5xx {
		t.Errorf("X-Modelgate-Attempts sum to %d, TorchServe received %d", attempts, got5xx)
	}
}

// offer sends budgetRequests requests from budgetClients clients and
// returns the count of each status and the sum of X-Modelgate-Attempts.
func offer(t *testing.T, url, body string) (map[int]int, int) {
	t.Helper()
	c := testClient()
	var next, attempts atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range budgetClients {
		wg.Go(func() {
			for next.Add(1) <= budgetRequests {
				status, n, err := postCount(t.Context(), c, url, body)
				if err != nil {
					t.Errorf("request: %v", err)
					return
				}
				attempts.Add(int64(n))
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return statuses, int(attempts.Load())
}

// postCount posts body and returns the status and X-Modelgate-Attempts.
func postCount(ctx context.Context, c *http.Client, url, body string) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	n, err := strconv.Atoi(resp.Header.Get("X-Modelgate-Attempts"))
	if err != nil {
		return 0, 0, fmt.Errorf("X-Modelgate-Attempts %q: %v", resp.Header.Get("X-Modelgate-Attempts"), err)
	}
	return resp.StatusCode, n, nil
}

// tsCounts are TorchServe's own request counts.
type tsCounts struct {
	requests5xx int // Requests5XX of its Prometheus metrics (host level)
	accessLog   int // POST /predictions/iris lines answered 503 in its access log
}

// torchServeCounts reads TorchServe's metrics endpoint and access log.
func torchServeCounts(t *testing.T, e *liveEnv) tsCounts {
	t.Helper()
	r := call(t, testClient(), "GET", local(e.TorchServeMetrics, "/metrics"), "")
	mustStatus(t, "TorchServe metrics", r, 200)
	var c tsCounts
	sc := bufio.NewScanner(strings.NewReader(string(r.Body)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Requests5XX{") {
			f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatalf("TorchServe metric %q: %v", line, err)
			}
			c.requests5xx = int(f)
		}
	}
	f, err := os.Open(filepath.Join(e.RunDir, "torchserve", "logs", "access_log.log"))
	if err != nil {
		t.Fatalf("TorchServe access log: %v", err)
	}
	defer f.Close()
	sc = bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"POST /predictions/iris HTTP/1.1" 503`) {
			c.accessLog++
		}
	}
	return c
}

// scaleTorchServe sets the iris model's workers through the management API
// and waits for the change (synchronous=true). It does not use the test's
// context, so cleanups can call it.
func scaleTorchServe(t *testing.T, e *liveEnv, workers int) {
	t.Helper()
	url := local(e.TorchServeMgmt, fmt.Sprintf("/models/iris?min_worker=%d&max_worker=%d&synchronous=true", workers, workers))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := tryCall(ctx, testClient(), "PUT", url, "")
	if err != nil {
		t.Fatalf("scaling TorchServe iris to %d workers: %v", workers, err)
	}
	if r.Status != 200 && r.Status != 202 {
		t.Fatalf("scaling TorchServe iris to %d workers: %s", workers, r)
	}
}

// restoreTorchServe scales iris back to one worker and waits until it
// predicts again.
func restoreTorchServe(t *testing.T, e *liveEnv) {
	t.Helper()
	scaleTorchServe(t, e, 1)
	if waitFor(context.Background(), 60*time.Second, func() bool {
		return e.backendReady(context.Background(), "torchserve")
	}) < 0 {
		t.Errorf("TorchServe iris did not predict again within 60s of scaling back to 1 worker")
	}
}
