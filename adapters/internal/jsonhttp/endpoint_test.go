// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
)

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		base     string
		segments []string
		want     string
	}{
		{"root", "http://h:8000", []string{"v2", "models", "iris", "infer"}, "http://h:8000/v2/models/iris/infer"},
		{"trailing slash", "http://h:8000/", []string{"v2", "models", "iris"}, "http://h:8000/v2/models/iris"},
		{"prefix kept", "http://h/serving/kserve/", []string{"v2", "models", "m", "ready"}, "http://h/serving/kserve/v2/models/m/ready"},
		{"slash in a name", "http://h", []string{"v2", "models", "org/model", "infer"}, "http://h/v2/models/org%2Fmodel/infer"},
		{"dot dot", "http://h", []string{"v2", "models", "..", "infer"}, "http://h/v2/models/%2E%2E/infer"},
		{"dot", "http://h", []string{"models", "."}, "http://h/models/%2E"},
		{"space and percent", "http://h", []string{"m 1%"}, "http://h/m%201%25"},
		{"query kept", "http://h/p?token=x", []string{"ping"}, "http://h/p/ping?token=x"},
		{"escaped prefix", "http://h/a%2Fb/", []string{"c"}, "http://h/a%2Fb/c"},
		{"colon suffix", "http://h", []string{"v1", "models", "m:predict"}, "http://h/v1/models/m:predict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, err := url.Parse(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			before := base.String()
			if got := Endpoint(base, tt.segments...).String(); got != tt.want {
				t.Errorf("Endpoint(%s, %q) = %s, want %s", tt.base, tt.segments, got, tt.want)
			}
			if base.String() != before {
				t.Errorf("Endpoint modified base: %s, want %s", base, before)
			}
		})
	}
}

func TestNewRequestIsReplayable(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("http://h/x")
	req, err := NewRequest(context.Background(), http.MethodPost, u, []byte(`{"a":1}`), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if req.ContentLength != 7 || req.Header.Get("Content-Type") != "application/json" || req.GetBody == nil {
		t.Fatalf("request = length %d, type %q, GetBody %v; want 7, application/json, set",
			req.ContentLength, req.Header.Get("Content-Type"), req.GetBody != nil)
	}
	for range 2 {
		b, _ := req.GetBody()
		data, _ := io.ReadAll(b)
		if string(data) != `{"a":1}` {
			t.Errorf("replayed body = %q, want {\"a\":1}", data)
		}
	}
	get, _ := NewRequest(context.Background(), http.MethodGet, u, nil, "application/json")
	if get.Body != nil || get.Header.Get("Content-Type") != "" {
		t.Errorf("GET request has body %v, Content-Type %q; want none", get.Body, get.Header.Get("Content-Type"))
	}
}
