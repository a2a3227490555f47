// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// callTimeout bounds every call the suite makes, so that a hung adapter
// fails its test instead of hanging the run.
const callTimeout = 10 * time.Second

// Run runs the conformance suite against the adapter h describes, with one
// parallel subtest per behaviour (see Kind for the scenarios and doc.go for
// what is asserted), and reports goroutines the adapter leaves behind once
// all of them have finished. Run it under -race.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if err := h.check(); err != nil {
		t.Fatalf("adaptertest: %v", err)
	}
	s := &suite{h: &h}
	t.Cleanup(func() { s.checkLeaks(t) })
	t.Run("infer", func(t *testing.T) {
		t.Parallel()
		s.testInfer(t)
	})
	t.Run("ready", func(t *testing.T) {
		t.Parallel()
		s.testReady(t)
	})
	t.Run("metadata", func(t *testing.T) {
		t.Parallel()
		s.testMetadata(t)
	})
	t.Run("concurrent use", func(t *testing.T) {
		t.Parallel()
		s.testConcurrent(t)
	})
}

func (h *Harness) check() error {
	if h.New == nil || h.Backend == nil {
		return errors.New("Harness.New and Harness.Backend are required")
	}
	for _, d := range h.Supports.DTypes {
		if _, err := Sample(d); err != nil {
			return fmt.Errorf("Features.DTypes: %w", err)
		}
	}
	return nil
}

// suite is the state shared by the tests of one Run.
type suite struct {
	h *Harness

	mu   sync.Mutex
	pkgs map[string]bool // packages of the adapters built, for the leak check
}

// env builds a test's upstream from the fake's answer to kind, wrapped by
// wrap if not nil, and the adapter for model in front of it.
func (s *suite) env(t *testing.T, kind Kind, model adapters.ModelRef, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	h := s.h.Backend(t, Scenario{Kind: kind, Model: model})
	if h == nil {
		t.Fatalf("Harness.Backend returned nil for %s", kind)
	}
	if wrap != nil {
		h = wrap(h)
	}
	return s.envFor(t, startUpstream(t, h), model)
}

// envFor builds the adapter for model in front of up.
func (s *suite) envFor(t *testing.T, up *upstream, model adapters.ModelRef) *env {
	t.Helper()
	e := newEnv(t, s.h, up, model)
	typ := reflect.TypeOf(e.adapter)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pkgs == nil {
		s.pkgs = map[string]bool{}
	}
	if p := typ.PkgPath(); p != "" {
		s.pkgs[p] = true
	}
	return e
}

// model is the model the suite addresses.
func model() adapters.ModelRef { return adapters.ModelRef{Name: ModelName} }

// op is one Adapter method, called the way the suite calls it.
type op struct {
	name string // as in adapters.Error.Op
	call func(ctx context.Context, t *testing.T, e *env) error
}

var (
	opInfer = op{"infer", func(ctx context.Context, t *testing.T, e *env) error {
		_, err := e.infer(ctx, t, e.probe())
		return err
	}}
	opReady = op{"ready", func(ctx context.Context, _ *testing.T, e *env) error {
		return e.adapter.ModelReady(ctx, e.cfg.Model)
	}}
	opMetadata = op{"metadata", func(ctx context.Context, _ *testing.T, e *env) error {
		_, err := e.adapter.ModelMetadata(ctx, e.cfg.Model)
		return err
	}}
)
