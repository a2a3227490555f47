// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"context"
	"errors"
	"sync"

	"github.com/modelgate/modelgate/adapters"
)

// FakeBackend is the backend name in the errors Fake and its helpers build.
const FakeBackend = "fake"

// InferFunc is the signature of Adapter.Infer, for scripting a Fake.
type InferFunc func(ctx context.Context, req *adapters.Request) (*adapters.Response, error)

// Fake is a scripted adapters.Adapter for gateway and decorator tests. Set
// the function fields before the first call and do not change them after;
// a nil field gives the default behaviour. Fake records every call and is
// safe for concurrent use. The zero value is an identity model that is
// ready and publishes no metadata.
type Fake struct {
	// InferFunc answers Infer. If nil, Infer answers Identity(req), or the
	// context's error once ctx is done.
	InferFunc InferFunc
	// ReadyFunc answers ModelReady. If nil, the model is ready.
	ReadyFunc func(ctx context.Context, model adapters.ModelRef) error
	// MetadataFunc answers ModelMetadata. If nil, ModelMetadata fails with
	// errors.ErrUnsupported.
	MetadataFunc func(ctx context.Context, model adapters.ModelRef) (*adapters.ModelMetadata, error)

	mu    sync.Mutex
	calls []Call
}

// Call is one recorded call of a Fake.
type Call struct {
	// Op is "infer", "ready" or "metadata".
	Op string
	// Model is the model of the call (Request.Model for Infer).
	Model adapters.ModelRef
	// Request is a deep copy of Infer's request as received; nil otherwise.
	Request *adapters.Request
}

var _ adapters.Adapter = (*Fake)(nil)

// Infer records the call and answers with InferFunc.
func (f *Fake) Infer(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
	f.record(Call{Op: "infer", Model: req.Model, Request: req.Clone()})
	if f.InferFunc != nil {
		return f.InferFunc(ctx, req)
	}
	if err := ctx.Err(); err != nil {
		return nil, Err("infer", req.Model, err)
	}
	return Identity(req), nil
}

// ModelReady records the call and answers with ReadyFunc.
func (f *Fake) ModelReady(ctx context.Context, model adapters.ModelRef) error {
	f.record(Call{Op: "ready", Model: model})
	if f.ReadyFunc != nil {
		return f.ReadyFunc(ctx, model)
	}
	return nil
}

// ModelMetadata records the call and answers with MetadataFunc.
func (f *Fake) ModelMetadata(ctx context.Context, model adapters.ModelRef) (*adapters.ModelMetadata, error) {
	f.record(Call{Op: "metadata", Model: model})
	if f.MetadataFunc != nil {
		return f.MetadataFunc(ctx, model)
	}
	return nil, Err("metadata", model, errors.ErrUnsupported)
}

func (f *Fake) record(c Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

// Calls returns the calls made so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Count returns how many calls of op ("infer", "ready", "metadata") were made.
func (f *Fake) Count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Op == op {
			n++
		}
	}
	return n
}

// Err returns the *adapters.Error an adapter of backend FakeBackend would
// return for op on model, wrapping kind.
func Err(op string, model adapters.ModelRef, kind error) *adapters.Error {
	return &adapters.Error{Op: op, Backend: FakeBackend, Model: model.String(), Err: kind}
}

// Respond returns an InferFunc answering every call with a copy of resp
// whose ID is the request's.
func Respond(resp *adapters.Response) InferFunc {
	return func(_ context.Context, req *adapters.Request) (*adapters.Response, error) {
		r := *resp
		r.ID = req.ID
		r.Outputs = make([]adapters.Tensor, len(resp.Outputs))
		for i := range resp.Outputs {
			r.Outputs[i] = resp.Outputs[i].Clone()
		}
		r.Parameters = resp.Parameters.Clone()
		return &r, nil
	}
}

// Fail returns an InferFunc failing every call with err.
func Fail(err error) InferFunc {
	return func(context.Context, *adapters.Request) (*adapters.Response, error) { return nil, err }
}

// Hang returns an InferFunc that blocks until ctx is done and then fails
// with an *adapters.Error wrapping ctx.Err(), as a hung backend would.
func Hang() InferFunc {
	return func(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
		<-ctx.Done()
		return nil, Err("infer", req.Model, ctx.Err())
	}
}

// Script returns an InferFunc whose n-th call runs steps[n]; calls past the
// end repeat the last step. It is safe for concurrent use (the order of
// concurrent calls is the order they reach it). Without steps every call
// fails.
func Script(steps ...InferFunc) InferFunc {
	if len(steps) == 0 {
		return Fail(errors.New("adaptertest.Script: no steps"))
	}
	var mu sync.Mutex
	n := 0
	return func(ctx context.Context, req *adapters.Request) (*adapters.Response, error) {
		mu.Lock()
		step := steps[min(n, len(steps)-1)]
		n++
		mu.Unlock()
		return step(ctx, req)
	}
}
