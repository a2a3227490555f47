// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"errors"
	"net/http"

	"github.com/modelgate/modelgate/adapters"
)

// KindForStatus is the default mapping of an unexpected upstream HTTP status
// to an error kind (STYLE.md §3.4):
//
//	400, 422   adapters.ErrInvalidInput
//	404        adapters.ErrModelNotFound
//	429        adapters.ErrRateLimited
//	501        errors.ErrUnsupported
//	503        adapters.ErrUnavailable
//	otherwise  adapters.ErrBadUpstream (other 5xx, and any status the
//	           adapter did not expect, 2xx and 3xx included)
//
// Adapters override it where a backend is quirky and fall back to it.
func KindForStatus(status int) error {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return adapters.ErrInvalidInput
	case http.StatusNotFound:
		return adapters.ErrModelNotFound
	case http.StatusTooManyRequests:
		return adapters.ErrRateLimited
	case http.StatusNotImplemented:
		return errors.ErrUnsupported
	case http.StatusServiceUnavailable:
		return adapters.ErrUnavailable
	}
	return adapters.ErrBadUpstream
}

// IsKind reports whether err already carries one of the error kinds
// (adapters' sentinels or errors.ErrUnsupported), so that classification
// must leave it alone. Context errors are not kinds.
func IsKind(err error) bool {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}
