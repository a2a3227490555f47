// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

func TestKindForStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		want   error
	}{
		{400, adapters.ErrInvalidInput},
		{422, adapters.ErrInvalidInput},
		{404, adapters.ErrModelNotFound},
		{429, adapters.ErrRateLimited},
		{501, errors.ErrUnsupported},
		{503, adapters.ErrUnavailable},
		{500, adapters.ErrBadUpstream},
		{502, adapters.ErrBadUpstream},
		{504, adapters.ErrBadUpstream},
		{507, adapters.ErrBadUpstream},
		{401, adapters.ErrBadUpstream},
		{409, adapters.ErrBadUpstream},
		{302, adapters.ErrBadUpstream},
		{200, adapters.ErrBadUpstream},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			if got := KindForStatus(tt.status); got != tt.want {
				t.Errorf("KindForStatus(%d) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}

func TestIsKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"each kind", adapters.ErrModelFailed, true},
		{"unsupported", errors.ErrUnsupported, true},
		{"wrapped kind", fmt.Errorf("breaker open: %w", adapters.ErrUnavailable), true},
		{"context error is not a kind", context.Canceled, false},
		{"plain error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IsKind(tt.err); got != tt.want {
				t.Errorf("IsKind(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 10, 21, 7, 28, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"zero", "0", 0},
		{"padded", "  120 ", 2 * time.Minute},
		{"empty", "", 0},
		{"negative", "-1", 0},
		{"fraction", "1.5", 0},
		{"garbage", "soon", 0},
		{"overflow", "99999999999999999999", 0},
		{"too many seconds for a duration", "9300000000", 0},
		{"imf date in the future", "Tue, 21 Oct 2025 07:28:30 GMT", 30 * time.Second},
		{"rfc 850 date", "Tuesday, 21-Oct-25 07:29:00 GMT", time.Minute},
		{"asctime date", "Tue Oct 21 07:28:05 2025", 5 * time.Second},
		{"date in the past", "Tue, 21 Oct 2025 07:27:00 GMT", 0},
		{"date now", "Tue, 21 Oct 2025 07:28:00 GMT", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ParseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}
