// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

// kinds are the error kinds an adapter's error may carry; the gateway maps
// each to one status, so an error must carry exactly one.
var kinds = []error{
	adapters.ErrInvalidInput, adapters.ErrModelNotFound, adapters.ErrUnavailable,
	adapters.ErrRateLimited, adapters.ErrModelFailed, adapters.ErrBadUpstream,
	errors.ErrUnsupported, context.Canceled, context.DeadlineExceeded,
}

// kindsOf returns the kinds err carries.
func kindsOf(err error) []error {
	var got []error
	for _, k := range kinds {
		if errors.Is(err, k) {
			got = append(got, k)
		}
	}
	return got
}

// checkFailure asserts that err, returned by op, carries exactly one kind,
// one of allowed, and is an *adapters.Error naming op, the backend, the
// model and the upstream status (0 when no answer was received), with a
// bounded message, and error text that does not echo the upstream body. It
// returns the *adapters.Error, or nil.
func (e *env) checkFailure(t *testing.T, op string, err error, allowed ...error) *adapters.Error {
	t.Helper()
	if err == nil {
		t.Errorf("%s error = nil, want one of %v", op, allowed)
		return nil
	}
	if got := kindsOf(err); len(got) != 1 || !slices.Contains(allowed, got[0]) {
		t.Errorf("%s error %q carries kinds %v, want exactly one of %v", op, err, got, allowed)
	}
	ae, ok := errors.AsType[*adapters.Error](err)
	if !ok {
		t.Errorf("%s error %q is a %T, want an *adapters.Error", op, err, err)
		return nil
	}
	status, body := e.up.last()
	if ae.Op != op || ae.Backend != e.cfg.Backend || ae.Model != e.cfg.Model.String() || ae.Status != status {
		t.Errorf("%s error fields = {Op: %q, Backend: %q, Model: %q, Status: %d}, want {%q, %q, %q, %d}",
			op, ae.Op, ae.Backend, ae.Model, ae.Status, op, e.cfg.Backend, e.cfg.Model.String(), status)
	}
	if len(ae.Message) > adapters.MaxMessageLen+len("…") {
		t.Errorf("%s error message is %d bytes, want at most %d (adapters.TrimMessage)", op, len(ae.Message), adapters.MaxMessageLen)
	}
	text := err.Error()
	if raw := strings.TrimSpace(string(body)); len(raw) >= 32 && strings.Contains(text, raw) {
		t.Errorf("%s error %q echoes the raw upstream body", op, text)
	}
	return ae
}
