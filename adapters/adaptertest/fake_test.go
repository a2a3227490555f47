// SPDX-License-Identifier: Apache-2.0

package adaptertest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
)

func fakeRequest(id string) *adapters.Request {
	in, _ := adaptertest.Sample(adapters.FP32)
	return &adapters.Request{ID: id, Model: adapters.ModelRef{Name: "m"}, Inputs: []adapters.Tensor{in}}
}

func TestFakeDefaults(t *testing.T) {
	t.Parallel()
	var f adaptertest.Fake
	ctx := context.Background()
	req := fakeRequest("a")
	resp, err := f.Infer(ctx, req)
	if err != nil {
		t.Fatalf("Infer error = %v, want nil", err)
	}
	if diff := cmp.Diff(adaptertest.Identity(req), resp); diff != "" {
		t.Errorf("Infer mismatch (-want +got):\n%s", diff)
	}
	if err := f.ModelReady(ctx, req.Model); err != nil {
		t.Errorf("ModelReady error = %v, want nil", err)
	}
	if _, err := f.ModelMetadata(ctx, req.Model); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ModelMetadata error = %v, want errors.ErrUnsupported", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Infer(canceled, req); !errors.Is(err, context.Canceled) {
		t.Errorf("Infer with a canceled context error = %v, want context.Canceled", err)
	}
	want := []adaptertest.Call{
		{Op: "infer", Model: req.Model, Request: req},
		{Op: "ready", Model: req.Model},
		{Op: "metadata", Model: req.Model},
		{Op: "infer", Model: req.Model, Request: req},
	}
	if diff := cmp.Diff(want, f.Calls()); diff != "" {
		t.Errorf("Calls mismatch (-want +got):\n%s", diff)
	}
	if got := f.Count("infer"); got != 2 {
		t.Errorf("Count(infer) = %d, want 2", got)
	}
}

func TestFakeRecordsACopy(t *testing.T) {
	t.Parallel()
	var f adaptertest.Fake
	req := fakeRequest("a")
	_, _ = f.Infer(context.Background(), req)
	req.Inputs[0].Data.FP32[0] = 42
	if got := f.Calls()[0].Request.Inputs[0].Data.FP32[0]; got == 42 {
		t.Errorf("recorded request changed with the caller's: element 0 = %v, want the value at call time", got)
	}
}

func TestScript(t *testing.T) {
	t.Parallel()
	errBusy := adaptertest.Err("infer", adapters.ModelRef{Name: "m"}, adapters.ErrUnavailable)
	out := &adapters.Response{Model: adapters.ModelRef{Name: "m"}, Outputs: []adapters.Tensor{{Name: "y", DType: adapters.Bool, Shape: []int64{1}, Data: adapters.TensorData{Bool: []bool{true}}}}}
	f := adaptertest.Fake{InferFunc: adaptertest.Script(adaptertest.Fail(errBusy), adaptertest.Respond(out))}
	ctx := context.Background()
	tests := []struct {
		id      string
		wantErr error
	}{
		{"first", adapters.ErrUnavailable},
		{"second", nil},
		{"third repeats the last step", nil},
	}
	for _, tt := range tests {
		resp, err := f.Infer(ctx, fakeRequest(tt.id))
		if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Fatalf("call %q error = %v, want %v", tt.id, err, tt.wantErr)
		}
		if err == nil && (resp.ID != tt.id || resp.Output("y") == nil) {
			t.Errorf("call %q = %+v, want output y with id %q", tt.id, resp, tt.id)
		}
	}
	if _, err := adaptertest.Script()(ctx, fakeRequest("x")); err == nil {
		t.Error("Script() call error = nil, want an error")
	}
}

func TestRespondCopies(t *testing.T) {
	t.Parallel()
	out := &adapters.Response{Outputs: []adapters.Tensor{{Name: "y", DType: adapters.Int64, Shape: []int64{1}, Data: adapters.TensorData{Int64: []int64{1}}}}}
	respond := adaptertest.Respond(out)
	first, _ := respond(context.Background(), fakeRequest("a"))
	first.Outputs[0].Data.Int64[0] = 99
	second, _ := respond(context.Background(), fakeRequest("b"))
	if got := second.Outputs[0].Data.Int64[0]; got != 1 {
		t.Errorf("second answer element 0 = %d, want 1 (answers must not share data)", got)
	}
}

func TestHang(t *testing.T) {
	t.Parallel()
	f := adaptertest.Fake{InferFunc: adaptertest.Hang()}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.Infer(ctx, fakeRequest("a"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Infer error = %v, want context.DeadlineExceeded", err)
	}
	if ae, ok := errors.AsType[*adapters.Error](err); !ok || ae.Backend != adaptertest.FakeBackend {
		t.Errorf("Infer error = %#v, want an *adapters.Error of backend %q", err, adaptertest.FakeBackend)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Infer returned after %v, want soon after the deadline", d)
	}
}

func TestFakeConcurrent(t *testing.T) {
	t.Parallel()
	f := adaptertest.Fake{InferFunc: adaptertest.Script(adaptertest.Fail(adapters.ErrUnavailable), adaptertest.Respond(&adapters.Response{}))}
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for range adaptertest.Concurrency {
		wg.Go(func() {
			if _, err := f.Infer(context.Background(), fakeRequest("c")); err != nil {
				mu.Lock()
				failures++
				mu.Unlock()
			}
			_ = f.ModelReady(context.Background(), adapters.ModelRef{Name: "m"})
		})
	}
	wg.Wait()
	if failures != 1 {
		t.Errorf("failed calls = %d, want 1 (the first step only)", failures)
	}
	if got, want := len(f.Calls()), 2*adaptertest.Concurrency; got != want {
		t.Errorf("recorded calls = %d, want %d", got, want)
	}
}
