// SPDX-License-Identifier: Apache-2.0

package config

import "strconv"

// Secret is a string that is never printed: String, GoString and
// MarshalText render it as "[redacted]" (or "" when empty). Convert it with
// string(s) where the value is needed.
type Secret string

const redacted = "[redacted]"

// String returns "[redacted]", or "" when s is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the quoted String, so %#v does not leak s either.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalText returns the String, so encoders do not leak s.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
