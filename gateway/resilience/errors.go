// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"errors"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// RetryAfter returns the wait that err suggests before the client tries
// again, for the gateway's Retry-After header: the hint of any error in the
// chain with a RetryAfter() time.Duration method (an *OpenError from a
// breaker, even when an adapter wrapped it), else the RetryAfter of an
// *adapters.Error (a Limiter's 1s, an upstream's Retry-After).
func RetryAfter(err error) (time.Duration, bool) {
	var h interface{ RetryAfter() time.Duration }
	if errors.As(err, &h) {
		return h.RetryAfter(), true
	}
	var ae *adapters.Error
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter, true
	}
	return 0, false
}
