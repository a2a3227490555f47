// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testConcurrent calls the adapter from Concurrency goroutines at once,
// each call checked as in the sequential tests; -race does the rest.
//
// Infer calls and metadata calls run in two separate concurrent phases:
// an adapter that validates requests against a signature it has cached
// (TF Serving's) would otherwise see the kit's narrow sample signature
// arrive before another goroutine's all-dtypes Infer, and rightly refuse it.
func (s *suite) testConcurrent(t *testing.T) {
	e := s.env(t, OK, model(), nil)
	calls := int64(1)
	if s.h.Supports.Metadata {
		calls++
	}
	if len(s.h.Supports.DTypes) > 0 || s.h.Supports.Raw {
		calls++
	}
	for _, phase := range []func(*testing.T, *env){s.concurrentInfer, s.concurrentMetadata} {
		var wg sync.WaitGroup
		for range Concurrency {
			wg.Go(func() { phase(t, e) })
		}
		wg.Wait()
	}
	e.settle(t, Concurrency*calls)
}

func (s *suite) concurrentInfer(t *testing.T, e *env) {
	ctx := callContext(t)
	if f := s.h.Supports; len(f.DTypes) > 0 || f.Raw {
		req := e.rawRequest()
		if len(f.DTypes) > 0 {
			req = e.request(f.DTypes...)
		}
		want := e.expect(req)
		got, err := e.adapter.Infer(ctx, req)
		if err != nil {
			t.Errorf("concurrent Infer error = %v, want nil", err)
		} else if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("concurrent Infer response mismatch (-want +got):\n%s", diff)
		}
	}
	if err := e.adapter.ModelReady(ctx, e.cfg.Model); err != nil {
		t.Errorf("concurrent ModelReady error = %v, want nil", err)
	}
}

func (s *suite) concurrentMetadata(t *testing.T, e *env) {
	ctx := callContext(t)
	if s.h.Supports.Metadata {
		got, err := e.adapter.ModelMetadata(ctx, e.cfg.Model)
		if err != nil {
			t.Errorf("concurrent ModelMetadata error = %v, want nil", err)
		} else if diff := cmp.Diff(Signature(e.cfg.Model), got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("concurrent ModelMetadata mismatch (-want +got):\n%s", diff)
		}
	}
}
