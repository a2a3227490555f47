// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter returns the wait a Retry-After header value asks for,
// relative to now. It accepts both forms of RFC 9110 §10.2.3: a number of
// seconds ("7") and an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"). Empty,
// malformed, negative or overflowing values, and dates in the past, give 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > math.MaxInt64/int64(time.Second) {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}
