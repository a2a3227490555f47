// SPDX-License-Identifier: Apache-2.0

package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ByteSize is a size in bytes. In config files it is an integer or a
// string with a unit: "16MiB", "512KiB", "1GiB" (powers of 1024) or
// "10MB", "500KB" (powers of 1000); units are case-insensitive and may
// follow a space.
type ByteSize int64

// Byte size units.
const (
	B   ByteSize = 1
	KB  ByteSize = 1000
	MB  ByteSize = 1000 * KB
	GB  ByteSize = 1000 * MB
	TB  ByteSize = 1000 * GB
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
	TiB ByteSize = 1 << 40
)

// byteUnits is the unit table, in the order String prefers them.
var byteUnits = [...]struct {
	name string
	size ByteSize
}{
	{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB},
	{"TB", TB}, {"GB", GB}, {"MB", MB}, {"KB", KB}, {"B", B},
}

// ParseByteSize parses a size such as "16MiB", "10 MB" or "4096".
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	end := strings.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(t)
	}
	if end == 0 {
		return 0, fmt.Errorf("invalid byte size %q: want a non-negative integer with an optional unit, e.g. \"16MiB\"", s)
	}
	n, err := strconv.ParseInt(t[:end], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid byte size %q: too large", s)
	}
	unit := strings.TrimSpace(t[end:])
	mult, ok := lookupUnit(unit)
	if !ok {
		return 0, fmt.Errorf("invalid byte size %q: unknown unit %q (want B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)", s, unit)
	}
	if n > math.MaxInt64/int64(mult) {
		return 0, fmt.Errorf("invalid byte size %q: too large", s)
	}
	return ByteSize(n) * mult, nil
}

// lookupUnit returns the multiplier of unit; "" means bytes.
func lookupUnit(unit string) (ByteSize, bool) {
	if unit == "" {
		return B, true
	}
	for _, u := range byteUnits {
		if strings.EqualFold(u.name, unit) {
			return u.size, true
		}
	}
	return 0, false
}

// String formats b with the largest unit that divides it exactly, binary
// units first: 16777216 → "16MiB", 10000000 → "10MB", 1023 → "1023B".
func (b ByteSize) String() string {
	if b > 0 {
		for _, u := range byteUnits {
			if b%u.size == 0 {
				return strconv.FormatInt(int64(b/u.size), 10) + u.name
			}
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// MarshalText implements encoding.TextMarshaler with String's format.
func (b ByteSize) MarshalText() ([]byte, error) {
	return []byte(b.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseByteSize.
func (b *ByteSize) UnmarshalText(text []byte) error {
	v, err := ParseByteSize(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}
