// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/modelgate/modelgate/adapters"
)

// LiveHarness describes an adapter in front of a real, running backend, for
// RunLive.
type LiveHarness struct {
	// New builds the adapter for model against the live backend. Required.
	New func(t *testing.T, model adapters.ModelRef) adapters.Adapter
	// Model is a model the backend serves and has ready. Required.
	Model adapters.ModelRef
	// UnknownModel is a model the backend does not serve. If its Name is
	// empty the unknown-model checks are skipped, for backends that serve
	// one model whatever it is called (MLflow, BentoML).
	UnknownModel adapters.ModelRef
	// Request is a known-answer request for Model. Required.
	Request *adapters.Request
	// Want is the answer to Request, compared with floats equal within a
	// relative 1e-6 (absolute 1e-9). Ignored if Check is set.
	Want *adapters.Response
	// Check, if set, checks the answer to Request instead of Want.
	Check func(t *testing.T, got *adapters.Response)
	// Metadata, if set, is the metadata the backend must report for Model.
	// If nil, ModelMetadata must succeed naming Model or fail with
	// errors.ErrUnsupported.
	Metadata *adapters.ModelMetadata
}

// RunLive runs the subset of the suite that makes sense against a real
// backend: readiness, metadata, one known-answer inference, an unknown
// model, and a canceled context. Subtests run sequentially, each call
// bounded by 10 s.
func RunLive(t *testing.T, h LiveHarness) {
	t.Helper()
	if h.New == nil || h.Request == nil || h.Model.Name == "" || (h.Want == nil && h.Check == nil) {
		t.Fatal("adaptertest: LiveHarness needs New, Model, Request and Want or Check")
	}
	a := h.New(t, h.Model)
	t.Run("ready", func(t *testing.T) {
		if err := a.ModelReady(callContext(t), h.Model); err != nil {
			t.Errorf("ModelReady(%s) error = %v, want nil", h.Model, err)
		}
	})
	t.Run("metadata", func(t *testing.T) { h.checkMetadata(t, a) })
	t.Run("known answer", func(t *testing.T) { h.checkAnswer(t, a) })
	t.Run("unknown model", func(t *testing.T) { h.checkUnknown(t) })
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		req := h.Request.Clone()
		if _, err := a.Infer(ctx, req); !errors.Is(err, context.Canceled) {
			t.Errorf("Infer with a canceled context error = %v, want context.Canceled", err)
		}
	})
}

func (h *LiveHarness) checkMetadata(t *testing.T, a adapters.Adapter) {
	got, err := a.ModelMetadata(callContext(t), h.Model)
	switch {
	case h.Metadata != nil && err != nil:
		t.Errorf("ModelMetadata(%s) error = %v, want nil", h.Model, err)
	case h.Metadata != nil:
		if diff := cmp.Diff(h.Metadata, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ModelMetadata(%s) mismatch (-want +got):\n%s", h.Model, diff)
		}
	case errors.Is(err, errors.ErrUnsupported):
	case err != nil:
		t.Errorf("ModelMetadata(%s) error = %v, want nil or errors.ErrUnsupported", h.Model, err)
	case got.Name != h.Model.Name:
		t.Errorf("ModelMetadata(%s) name = %q, want %q", h.Model, got.Name, h.Model.Name)
	}
}

func (h *LiveHarness) checkAnswer(t *testing.T, a adapters.Adapter) {
	req := h.Request.Clone()
	got, err := a.Infer(callContext(t), req)
	if err != nil {
		t.Fatalf("Infer error = %v, want nil", err)
	}
	if diff := cmp.Diff(h.Request, req); diff != "" {
		t.Errorf("Infer modified its request (-before +after):\n%s", diff)
	}
	if h.Check != nil {
		h.Check(t, got)
		return
	}
	opts := cmp.Options{cmpopts.EquateApprox(1e-6, 1e-9), cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}
	if diff := cmp.Diff(h.Want, got, opts); diff != "" {
		t.Errorf("Infer response mismatch (-want +got):\n%s", diff)
	}
}

func (h *LiveHarness) checkUnknown(t *testing.T) {
	if h.UnknownModel.Name == "" {
		t.Skip("LiveHarness.UnknownModel is not set")
	}
	a := h.New(t, h.UnknownModel)
	req := h.Request.Clone()
	req.Model = h.UnknownModel
	if _, err := a.Infer(callContext(t), req); !errors.Is(err, adapters.ErrModelNotFound) {
		t.Errorf("Infer(%s) error = %v, want ErrModelNotFound", h.UnknownModel, err)
	}
	if err := a.ModelReady(callContext(t), h.UnknownModel); !errors.Is(err, adapters.ErrModelNotFound) {
		t.Errorf("ModelReady(%s) error = %v, want ErrModelNotFound", h.UnknownModel, err)
	}
}
