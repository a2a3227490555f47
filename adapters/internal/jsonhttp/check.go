// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"fmt"
	"unicode/utf8"

	"github.com/modelgate/modelgate/adapters"
)

// CheckContentType rejects a raw payload's media type that is not a valid
// header value (control characters), which the HTTP client would refuse as
// a transport error after the fact.
func CheckContentType(ctype string) error {
	for i := 0; i < len(ctype); i++ {
		if c := ctype[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return fmt.Errorf("%w: raw payload content type %q has control characters", adapters.ErrInvalidInput, ctype)
		}
	}
	return nil
}

// CheckUTF8 rejects BYTES elements that are not valid UTF-8: a JSON string
// cannot carry them (the encoders would write U+FFFD in their place).
func CheckUTF8(t *adapters.Tensor) error {
	for i, b := range t.Data.Bytes {
		if !utf8.Valid(b) {
			return fmt.Errorf("%w: input %q element %d is not valid UTF-8, which a JSON string cannot carry",
				adapters.ErrInvalidInput, t.Name, i)
		}
	}
	return nil
}
