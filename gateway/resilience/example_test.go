// SPDX-License-Identifier: Apache-2.0

package resilience_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gateway/resilience"
)

// flaky is a stand-in backend: 503 once, then 200. Real code leaves
// ClientOptions.Transport nil to get a pooled *http.Transport.
type flaky struct{ calls int }

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.calls++
	status, body := http.StatusServiceUnavailable, `{"error": "loading"}`
	if f.calls > 1 {
		status, body = http.StatusOK, `{"outputs": []}`
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Request: req,
		Body: io.NopCloser(strings.NewReader(body))}, nil
}

func ExampleNewClient() {
	p := resilience.DefaultPolicy()
	p.BackoffMin, p.BackoffMax = time.Millisecond, 5*time.Millisecond
	backend, err := resilience.NewClient(resilience.ClientOptions{
		Backend:   "triton",
		Policy:    p,
		Transport: &flaky{},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer backend.Close()

	// The gateway bounds the whole call and counts attempts per request.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ctx, attempts := resilience.WithAttemptCounter(ctx)

	// An adapter makes one round trip through backend.Client().
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://triton:8000/v2/models/iris/infer",
		bytes.NewReader([]byte(`{"inputs": []}`)))
	resp, err := backend.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	fmt.Println("X-Modelgate-Attempts:", attempts.Attempts())
	fmt.Println("breaker:", backend.Snapshot().Breakers[0].State)
	// Output:
	// 200 {"outputs": []}
	// X-Modelgate-Attempts: 2
	// breaker: closed
}
