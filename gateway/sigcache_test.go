// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/adapters"
)

// TestInferLearnsSignatureFirst checks that a target typed by metadata is
// asked for each version's metadata once, before its first inference of
// that version, without counting it as an attempt; and that other targets
// are not asked.
func TestInferLearnsSignatureFirst(t *testing.T) {
	t.Parallel()
	md := func(context.Context, adapters.ModelRef) (*adapters.ModelMetadata, error) {
		return &adapters.ModelMetadata{
			Inputs:  []adapters.TensorMetadata{{Name: "x", DType: adapters.FP64, Shape: []int64{-1}}},
			Outputs: []adapters.TensorMetadata{{Name: "y", DType: adapters.FP32, Shape: []int64{-1}}},
		}, nil
	}
	tests := []struct {
		name  string
		typed bool
		want  []string
	}{
		{name: "typed by metadata", typed: true,
			want: []string{"metadata m", "infer m", "infer m", "metadata m@5", "infer m@5", "infer m"}},
		{name: "not typed by metadata", typed: false,
			want: []string{"infer m", "infer m", "infer m@5", "infer m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &fake{meta: md}
			g := newGateway(t, oneRoute(0, Target{Backend: "a", Model: adapters.ModelRef{Name: "m"}, Adapter: a, TypedByMetadata: tt.typed}))
			for _, path := range []string{"/v2/models/iris/infer", "/v2/models/iris/infer", "/v2/models/iris/versions/5/infer", "/v1/models/iris:predict"} {
				body := inferBody
				if path == "/v1/models/iris:predict" {
					body = `{"instances": [1, 2]}`
				}
				rec := do(t, g, "POST", path, body)
				wantStatus(t, rec, 200, "")
				if got := rec.Result().Header.Get(HeaderAttempts); got != "1" {
					t.Errorf("%s: %s %q, want \"1\" (the metadata call is no attempt)", path, HeaderAttempts, got)
				}
			}
			calls := a.Calls()
			if !tt.typed {
				// The v1 predict asks for the signature it decodes by,
				// whatever the target.
				tt.want = append(tt.want[:3:3], "metadata m", "infer m")
			}
			if d := cmp.Diff(tt.want, calls); d != "" {
				t.Errorf("adapter calls (-want +got):\n%s", d)
			}
		})
	}
}

// TestLearnSignatureOnceForConcurrentRequests checks that the first
// requests of a version share one metadata call, that a failed call is
// remembered (signatureRetryAfter), and that the requests are served
// without the signature.
func TestLearnSignatureOnceForConcurrentRequests(t *testing.T) {
	t.Parallel()
	var metaCalls atomic.Int32
	release := make(chan struct{})
	a := &fake{meta: func(_ context.Context, m adapters.ModelRef) (*adapters.ModelMetadata, error) {
		metaCalls.Add(1)
		<-release
		return nil, &adapters.Error{Op: "metadata", Backend: "a", Model: m.String(), Status: 404, Err: adapters.ErrModelNotFound}
	}}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: a, TypedByMetadata: true}))
	const n = 8
	var wg sync.WaitGroup
	recs := make([]*httptest.ResponseRecorder, n)
	for i := range n {
		wg.Go(func() { recs[i] = do(t, g, "POST", "/v2/models/iris/infer", inferBody) })
	}
	time.Sleep(100 * time.Millisecond) // let the requests reach the metadata call
	close(release)
	wg.Wait()
	for _, rec := range recs {
		wantStatus(t, rec, 200, "")
	}
	rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody)
	wantStatus(t, rec, 200, "")
	if got := metaCalls.Load(); got != 1 {
		t.Errorf("metadata calls: got %d, want 1 for %d concurrent requests and one after", got, n)
	}
}

// TestLearnSignatureWaitsNoLongerThanTheDeadline checks that a request
// waiting for a metadata call that hangs still ends at its deadline.
func TestLearnSignatureWaitsNoLongerThanTheDeadline(t *testing.T) {
	t.Parallel()
	a := &fake{meta: func(ctx context.Context, _ adapters.ModelRef) (*adapters.ModelMetadata, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}, infer: hang}
	g := newGateway(t, oneRoute(0, Target{Backend: "a", Adapter: a, TypedByMetadata: true}))
	start := time.Now()
	rec := do(t, g, "POST", "/v2/models/iris/infer", inferBody, HeaderRequestTimeout, "100ms")
	wantStatus(t, rec, 504, "")
	if took := time.Since(start); took > signatureFetchTimeout/2 {
		t.Errorf("504 after %v, want about the 100ms deadline", took)
	}
}
