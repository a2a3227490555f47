// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelgate/modelgate/adapters"
)

func TestCallDo(t *testing.T) {
	t.Parallel()
	call := Call{Op: "infer", Backend: "kserve-a", Model: "iris@2"}
	bigError := `{"error": "` + strings.Repeat("x", MaxErrorBodyBytes) + `"}`
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		limit    int64
		wantBody string
		wantErr  *adapters.Error
		wantKind error
	}{
		{name: "ok", status: 200, body: `{"outputs": []}`, limit: 100, wantBody: `{"outputs": []}`},
		{name: "oversized ok body", status: 200, body: strings.Repeat("x", 101), limit: 100,
			wantErr: &adapters.Error{Op: "infer", Backend: "kserve-a", Model: "iris@2", Status: 200}, wantKind: adapters.ErrBadUpstream},
		{name: "error status returns its body", status: 503, header: map[string]string{"Retry-After": "3"},
			body: `{"error": "not ready"}`, limit: 10, wantBody: `{"error": "not ready"}`},
		{name: "huge error body is dropped", status: 500, body: bigError, limit: 1 << 20, wantBody: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", got)
				}
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			u, _ := url.Parse(srv.URL)
			req, err := NewRequest(context.Background(), http.MethodPost, u, []byte(`{}`), "application/json")
			if err != nil {
				t.Fatal(err)
			}
			resp, body, err := call.Do(srv.Client(), req, tt.limit)
			if tt.wantErr != nil {
				checkError(t, err, tt.wantErr, tt.wantKind)
				return
			}
			if err != nil {
				t.Fatalf("Do error = %v, want nil", err)
			}
			if resp.StatusCode != tt.status || string(body) != tt.wantBody {
				t.Errorf("Do = %d %.40q, want %d %.40q", resp.StatusCode, body, tt.status, tt.wantBody)
			}
		})
	}
}

func TestCallDoTransportFailure(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	u, _ := url.Parse(srv.URL)
	req, _ := NewRequest(context.Background(), http.MethodGet, u, nil, "")
	_, _, err := Call{Op: "ready", Backend: "b", Model: "m"}.Do(srv.Client(), req, 0)
	checkError(t, err, &adapters.Error{Op: "ready", Backend: "b", Model: "m"}, adapters.ErrUnavailable)
}

func TestStatusError(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"7"}}}
	call := Call{Op: "metadata", Backend: "b", Model: "m"}
	tests := []struct {
		name string
		kind error
		body string
		want *adapters.Error
	}{
		{"default table", nil, `{"error": "slow down"}`,
			&adapters.Error{Op: "metadata", Backend: "b", Model: "m", Status: 429, RetryAfter: 7 * time.Second, Message: "slow down", Err: adapters.ErrRateLimited}},
		{"override", adapters.ErrUnavailable, `not json`,
			&adapters.Error{Op: "metadata", Backend: "b", Model: "m", Status: 429, RetryAfter: 7 * time.Second, Err: adapters.ErrUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := call.StatusError(resp, []byte(tt.body), tt.kind)
			if diff := cmp.Diff(*tt.want, *got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("StatusError mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	cause := fmt.Errorf("%w: tensor \"x\": bad", adapters.ErrInvalidInput)
	err := Malformed(cause)
	if !errors.Is(err, adapters.ErrBadUpstream) || errors.Is(err, adapters.ErrInvalidInput) {
		t.Errorf("Malformed(%v) = %v, want ErrBadUpstream and not ErrInvalidInput", cause, err)
	}
	if !strings.Contains(err.Error(), `tensor "x": bad`) {
		t.Errorf("Malformed(%v) = %q, want the cause in the text", cause, err)
	}
	decodeErr := fmt.Errorf("%w: outputs[0]: missing name", adapters.ErrBadUpstream)
	if got := Malformed(decodeErr); got != decodeErr {
		t.Errorf("Malformed(%v) = %v, want the error itself", decodeErr, got)
	}
}

// checkError asserts err is an *adapters.Error like want (Err aside) whose
// Err wraps kind.
func checkError(t *testing.T, err error, want *adapters.Error, kind error) {
	t.Helper()
	got, ok := errors.AsType[*adapters.Error](err)
	if !ok {
		t.Fatalf("error = %v (%T), want *adapters.Error", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("error = %v, want kind %v", err, kind)
	}
	g := *got
	g.Err = nil
	if diff := cmp.Diff(*want, g); diff != "" {
		t.Errorf("error fields mismatch (-want +got):\n%s", diff)
	}
}
