// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoffCap returns min(hi, lo·2^n) without overflowing.
func backoffCap(lo, hi time.Duration, n int) time.Duration {
	if n < 0 {
		n = 0
	}
	if n >= 62 || lo > hi>>n {
		return hi
	}
	return lo << n
}

// fullJitter returns the wait before retry n (from 0): uniformly random in
// [0, min(hi, lo·2^n)], the "full jitter" of the AWS Architecture Blog's
// "Exponential Backoff And Jitter". randN returns a value in [0, n).
func fullJitter(lo, hi time.Duration, n int, randN func(int64) int64) time.Duration {
	c := int64(backoffCap(lo, hi, n))
	if c <= 0 {
		return 0
	}
	if c < math.MaxInt64 {
		c++
	}
	return time.Duration(randN(c))
}

// maxRetryAfter bounds a parsed Retry-After, so huge values cannot overflow.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads the Retry-After of a 429 or 503 response (RFC 9110
// §10.2.3: delay-seconds or an HTTP-date), relative to now.
func parseRetryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests &&
		resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}
