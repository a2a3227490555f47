// SPDX-License-Identifier: Apache-2.0

package jsonhttp

import (
	"errors"
	"testing"

	"github.com/modelgate/modelgate/adapters"
)

func TestCheckContentType(t *testing.T) {
	t.Parallel()
	for ctype, ok := range map[string]bool{
		"image/png":                  true,
		"text/csv; charset=utf-8":    true,
		"text/plain;\tcharset=utf-8": true,
		"image/png\r\nX-Evil: 1":     false,
		"a\x7fb":                     false,
	} {
		err := CheckContentType(ctype)
		if (err == nil) != ok || (err != nil && !errors.Is(err, adapters.ErrInvalidInput)) {
			t.Errorf("CheckContentType(%q) = %v, want ok=%v (ErrInvalidInput otherwise)", ctype, err, ok)
		}
	}
}

func TestCheckUTF8(t *testing.T) {
	t.Parallel()
	good := &adapters.Tensor{Name: "s", DType: adapters.Bytes, Data: adapters.TensorData{Bytes: [][]byte{[]byte("héllo")}}}
	if err := CheckUTF8(good); err != nil {
		t.Errorf("CheckUTF8(valid) = %v, want nil", err)
	}
	bad := &adapters.Tensor{Name: "s", DType: adapters.Bytes, Data: adapters.TensorData{Bytes: [][]byte{[]byte("ok"), {0xff, 0xfe}}}}
	err := CheckUTF8(bad)
	if err == nil || !errors.Is(err, adapters.ErrInvalidInput) || err.Error() != `invalid input: input "s" element 1 is not valid UTF-8, which a JSON string cannot carry` {
		t.Errorf("CheckUTF8(invalid) = %v, want ErrInvalidInput naming element 1", err)
	}
}
