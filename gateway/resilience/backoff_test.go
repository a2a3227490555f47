// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestFullJitter(t *testing.T) {
	t.Parallel()
	const lo, hi = 20 * time.Millisecond, 500 * time.Millisecond
	tests := []struct {
		n       int
		wantCap time.Duration
	}{
		{0, 20 * time.Millisecond},
		{1, 40 * time.Millisecond},
		{2, 80 * time.Millisecond},
		{4, 320 * time.Millisecond},
		{5, 500 * time.Millisecond},
		{62, 500 * time.Millisecond},
		{1000, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		var gotN int64
		top := fullJitter(lo, hi, tt.n, func(n int64) int64 { gotN = n; return n - 1 })
		bottom := fullJitter(lo, hi, tt.n, func(int64) int64 { return 0 })
		if top != tt.wantCap || bottom != 0 || gotN != int64(tt.wantCap)+1 {
			t.Errorf("retry %d: got range [%v, %v] (rand over %d), want [0, %v]", tt.n, bottom, top, gotN, tt.wantCap)
		}
	}
	if got := backoffCap(time.Duration(math.MaxInt64/2), time.Duration(math.MaxInt64), 3); got != math.MaxInt64 {
		t.Errorf("overflowing cap: got %v, want the maximum", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"seconds", 503, "3", 3 * time.Second, true},
		{"zero", 429, "0", 0, true},
		{"http-date", 503, "Thu, 02 Jan 2025 03:04:15 GMT", 10 * time.Second, true},
		{"rfc850 date", 503, "Thursday, 02-Jan-25 03:04:07 GMT", 2 * time.Second, true},
		{"date in the past", 503, "Thu, 02 Jan 2025 03:00:00 GMT", 0, true},
		{"huge", 503, "99999999999", maxRetryAfter, true},
		{"negative", 503, "-1", 0, false},
		{"garbage", 503, "soon", 0, false},
		{"absent", 503, "", 0, false},
		{"not on 502", 502, "3", 0, false},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
		if tt.value != "" {
			resp.Header.Set("Retry-After", tt.value)
		}
		got, ok := parseRetryAfter(resp, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: got %v %v, want %v %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}
