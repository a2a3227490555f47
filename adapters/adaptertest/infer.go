// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/modelgate/modelgate/adapters"
)

func (s *suite) testInfer(t *testing.T) {
	f := s.h.Supports
	for _, d := range f.DTypes {
		t.Run("ok/"+d.String(), func(t *testing.T) {
			t.Parallel()
			s.testOK(t, model(), d)
		})
	}
	if len(f.DTypes) > 1 {
		t.Run("ok/all datatypes in one request", func(t *testing.T) {
			t.Parallel()
			s.testOK(t, model(), f.DTypes...)
		})
	}
	if f.RequestedOutputs && len(f.DTypes) > 1 {
		t.Run("ok/requested outputs", func(t *testing.T) {
			t.Parallel()
			s.testRequestedOutputs(t)
		})
	}
	if f.Versions && len(f.DTypes) > 0 {
		t.Run("ok/versioned model", func(t *testing.T) {
			t.Parallel()
			s.testOK(t, adapters.ModelRef{Name: ModelName, Version: ModelVersion}, f.DTypes[0])
		})
	}
	t.Run("raw payload", func(t *testing.T) {
		t.Parallel()
		s.testRaw(t)
	})
	t.Run("invalid tensor is refused before any request", func(t *testing.T) {
		t.Parallel()
		s.testInvalidTensor(t)
	})
	s.testFailures(t, opInfer, inferFailures)
	s.testContext(t, opInfer)
}

// testOK sends the samples of dtypes to an identity model and checks the
// answer.
func (s *suite) testOK(t *testing.T, m adapters.ModelRef, dtypes ...adapters.DType) {
	e := s.env(t, OK, m, nil)
	s.checkOK(t, e, e.request(dtypes...))
	e.settle(t, 1)
}

func (s *suite) checkOK(t *testing.T, e *env, req *adapters.Request) {
	t.Helper()
	want := e.expect(req)
	got, err := e.infer(callContext(t), t, req)
	if err != nil {
		t.Fatalf("Infer error = %v, want nil", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Infer response mismatch (-want +got):\n%s", diff)
	}
	for i := range got.Outputs {
		if err := got.Outputs[i].Validate(); err != nil {
			t.Errorf("Infer output %d is invalid: %v", i, err)
		}
	}
}

func (s *suite) testRequestedOutputs(t *testing.T) {
	d := s.h.Supports.DTypes
	e := s.env(t, OK, model(), nil)
	req := e.request(d...)
	// The last and the first input, in that order, to show order is the
	// request's, not the inputs'.
	req.Outputs = []adapters.OutputSpec{{Name: req.Inputs[len(d)-1].Name}, {Name: req.Inputs[0].Name}}
	s.checkOK(t, e, req)
	e.settle(t, 1)
}

func (s *suite) testRaw(t *testing.T) {
	e := s.env(t, OK, model(), nil)
	if s.h.Supports.Raw {
		s.checkOK(t, e, e.rawRequest())
		e.settle(t, 1)
		return
	}
	_, err := e.infer(callContext(t), t, e.rawRequest())
	e.checkFailure(t, "infer", err, errors.ErrUnsupported)
	e.settle(t, 0)
}

func (s *suite) testInvalidTensor(t *testing.T) {
	e := s.env(t, OK, model(), nil)
	req := e.request(adapters.FP32)
	req.Inputs[0].Shape = []int64{3, 2} // 6 elements, 4 held
	_, err := e.infer(callContext(t), t, req)
	e.checkFailure(t, "infer", err, adapters.ErrInvalidInput)
	e.settle(t, 0)
}

// failure is a scenario and the kinds an operation may answer it with.
type failure struct {
	kind Kind
	wrap func(http.Handler) http.Handler
	name string // subtest name; kind.String() if empty
	want []error
}

// serverFailure: a 500 is the backend's fault or the model's; adapters that
// can tell (a structured error from the model server) may say ModelFailed.
var serverFailure = []error{adapters.ErrBadUpstream, adapters.ErrModelFailed}

var inferFailures = []failure{
	{kind: ModelNotFound, want: []error{adapters.ErrModelNotFound}},
	{kind: BadInput, want: []error{adapters.ErrInvalidInput}},
	{kind: RateLimited, want: []error{adapters.ErrRateLimited}},
	{kind: ServerError, want: serverFailure},
	{kind: Unavailable, want: []error{adapters.ErrUnavailable}},
	{kind: MalformedBody, want: []error{adapters.ErrBadUpstream}},
	{kind: OversizedBody, want: []error{adapters.ErrBadUpstream}},
	{kind: OversizedBody, wrap: withLength, name: "oversized body with content length", want: []error{adapters.ErrBadUpstream}},
	{kind: OversizedBody, wrap: streamed, name: "oversized body chunked", want: []error{adapters.ErrBadUpstream}},
}

// testFailures runs o against the fake in each failing scenario.
func (s *suite) testFailures(t *testing.T, o op, failures []failure) {
	for _, f := range failures {
		name := f.name
		if name == "" {
			name = f.kind.String()
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := s.env(t, f.kind, model(), f.wrap)
			ae := e.checkFailure(t, o.name, o.call(callContext(t), t, e), f.want...)
			if ae != nil && f.kind == RateLimited && errors.Is(ae, adapters.ErrRateLimited) && ae.RetryAfter != RetryAfter {
				t.Errorf("%s error RetryAfter = %v, want %v", o.name, ae.RetryAfter, RetryAfter)
			}
			e.settle(t, 1)
		})
	}
	s.testTransportFailures(t, o)
}
