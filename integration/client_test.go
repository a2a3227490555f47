// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// reply is one HTTP answer as the tests look at it.
type reply struct {
	Status  int
	Header  http.Header
	Body    []byte
	Elapsed time.Duration
}

// String is a short form for failure messages.
func (r *reply) String() string {
	return fmt.Sprintf("%d %s (%v)", r.Status, bytes.TrimSpace(r.Body), r.Elapsed.Round(time.Millisecond))
}

// ErrMsg is the "error" of a JSON error body, or "". (Not Error: a
// reply is no error value.)
func (r *reply) ErrMsg() string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error
}

// testClient is the HTTP client of functional tests: bounded, no retries.
func testClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
}

// call sends one request (a JSON body when body is not "") with the
// header pairs given and reads the whole answer. Transport errors fail
// the test; call it from the test's goroutine only (see tryCall).
func call(t *testing.T, c *http.Client, method, url, body string, header ...string) *reply {
	t.Helper()
	r, err := tryCall(t.Context(), c, method, url, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryCall is call returning transport errors; safe in any goroutine.
func tryCall(ctx context.Context, c *http.Client, method, url, body string, header ...string) (*reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", method, url, err)
	}
	return &reply{Status: resp.StatusCode, Header: resp.Header, Body: b, Elapsed: time.Since(start)}, nil
}

// mustStatus fails the test unless r has the wanted status.
func mustStatus(t *testing.T, what string, r *reply, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: got %s, want status %d", what, r, want)
	}
}

// v2Tensor is an OIP v2 tensor as the tests decode it (data kept raw).
type v2Tensor struct {
	Name     string          `json:"name"`
	Datatype string          `json:"datatype"`
	Shape    []int64         `json:"shape"`
	Data     json.RawMessage `json:"data"`
}

// v2Response is an OIP v2 inference response.
type v2Response struct {
	ModelName    string     `json:"model_name"`
	ModelVersion string     `json:"model_version"`
	ID           string     `json:"id"`
	Outputs      []v2Tensor `json:"outputs"`
}

// output returns the named output, or the only one when name is "".
func (r *v2Response) output(t *testing.T, name string) *v2Tensor {
	t.Helper()
	for i := range r.Outputs {
		if r.Outputs[i].Name == name || (name == "" && len(r.Outputs) == 1) {
			return &r.Outputs[i]
		}
	}
	t.Fatalf("no output %q in %+v", name, r.Outputs)
	return nil
}

// decode unmarshals r's body into v or fails the test.
func decode(t *testing.T, r *reply, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r, err)
	}
}

// ints decodes JSON data (flat or nested) as int64s.
func ints(t *testing.T, raw json.RawMessage) []int64 {
	t.Helper()
	var out []int64
	flatten(t, raw, func(n json.Number) {
		i, err := n.Int64()
		if err != nil {
			t.Fatalf("%s: %v is not an integer", raw, n)
		}
		out = append(out, i)
	})
	return out
}

// floats decodes JSON data (flat or nested) as float64s.
func floats(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	var out []float64
	flatten(t, raw, func(n json.Number) {
		f, err := n.Float64()
		if err != nil {
			t.Fatalf("%s: %v is not a number", raw, n)
		}
		out = append(out, f)
	})
	return out
}

// flatten calls fn for every number of a nested JSON array (or a bare
// number), in order.
func flatten(t *testing.T, raw json.RawMessage, fn func(json.Number)) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case json.Number:
			fn(x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		default:
			t.Fatalf("%s: unexpected element %v (%T)", raw, v, v)
		}
	}
	walk(v)
}
