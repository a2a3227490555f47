// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/modelgate/modelgate/adapters"
)

// notReady: the contract's readiness answers; a backend that rate-limits
// the probe may be reported either way.
var readyFailures = []failure{
	{kind: ModelNotFound, want: []error{adapters.ErrModelNotFound}},
	{kind: Unavailable, want: []error{adapters.ErrUnavailable}},
	{kind: ServerError, want: []error{adapters.ErrUnavailable}},
	{kind: RateLimited, want: []error{adapters.ErrUnavailable, adapters.ErrRateLimited}},
}

var metadataFailures = []failure{
	{kind: ModelNotFound, want: []error{adapters.ErrModelNotFound}},
	{kind: RateLimited, want: []error{adapters.ErrRateLimited}},
	{kind: ServerError, want: serverFailure},
	{kind: Unavailable, want: []error{adapters.ErrUnavailable}},
	{kind: MalformedBody, want: []error{adapters.ErrBadUpstream}},
	{kind: OversizedBody, want: []error{adapters.ErrBadUpstream}},
	{kind: OversizedBody, wrap: streamed, name: "oversized body chunked", want: []error{adapters.ErrBadUpstream}},
}

func (s *suite) testReady(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		t.Parallel()
		e := s.env(t, OK, model(), nil)
		if err := e.adapter.ModelReady(callContext(t), e.cfg.Model); err != nil {
			t.Errorf("ModelReady error = %v, want nil", err)
		}
		e.settle(t, 1)
	})
	if s.h.Supports.Versions {
		t.Run("ok/versioned model", func(t *testing.T) {
			t.Parallel()
			m := adapters.ModelRef{Name: ModelName, Version: ModelVersion}
			e := s.env(t, OK, m, nil)
			if err := e.adapter.ModelReady(callContext(t), m); err != nil {
				t.Errorf("ModelReady(%s) error = %v, want nil", m, err)
			}
			e.settle(t, 1)
		})
	}
	s.testFailures(t, opReady, readyFailures)
	s.testContext(t, opReady)
}

func (s *suite) testMetadata(t *testing.T) {
	if !s.h.Supports.Metadata {
		t.Run("unsupported", func(t *testing.T) {
			t.Parallel()
			e := s.env(t, OK, model(), nil)
			_, err := e.adapter.ModelMetadata(callContext(t), e.cfg.Model)
			e.checkFailure(t, "metadata", err, errors.ErrUnsupported)
			e.settle(t, 0)
		})
		return
	}
	t.Run("ok", func(t *testing.T) {
		t.Parallel()
		s.testMetadataOK(t, model())
	})
	if s.h.Supports.Versions {
		t.Run("ok/versioned model", func(t *testing.T) {
			t.Parallel()
			s.testMetadataOK(t, adapters.ModelRef{Name: ModelName, Version: ModelVersion})
		})
	}
	s.testFailures(t, opMetadata, metadataFailures)
	s.testContext(t, opMetadata)
}

func (s *suite) testMetadataOK(t *testing.T, m adapters.ModelRef) {
	e := s.env(t, OK, m, nil)
	got, err := e.adapter.ModelMetadata(callContext(t), m)
	if err != nil {
		t.Fatalf("ModelMetadata(%s) error = %v, want nil", m, err)
	}
	if diff := cmp.Diff(Signature(m), got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ModelMetadata(%s) mismatch (-want +got):\n%s", m, diff)
	}
	e.settle(t, 1)
}
