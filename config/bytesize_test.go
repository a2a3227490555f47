// SPDX-License-Identifier: Apache-2.0

package config

import "testing"

func TestParseByteSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    ByteSize
		wantErr bool
	}{
		{"0", 0, false},
		{"1", 1, false},
		{"1B", 1, false},
		{"1KB", 1000, false},
		{"1kib", 1024, false},
		{" 3 MiB ", 3 << 20, false},
		{"2GB", 2_000_000_000, false},
		{"1TiB", 1 << 40, false},
		{"8388607TiB", 8388607 << 40, false},
		{"8388608TiB", 0, true}, // 2^63 overflows
		{"", 0, true},
		{"-1", 0, true},
		{"1.5KiB", 0, true},
		{"1 K", 0, true},
		{"KiB", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseByteSize(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseByteSize(%q) error %v, want error: %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseByteSize(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestByteSizeStringRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   ByteSize
		want string
	}{
		{0, "0B"},
		{1023, "1023B"},
		{16 * MiB, "16MiB"},
		{512 * KiB, "512KiB"},
		{10 * MB, "10MB"},
		{1536 * KiB, "1536KiB"},
		{3 * TiB, "3TiB"},
		{-5, "-5B"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			if tt.in < 0 {
				return
			}
			var back ByteSize
			if err := back.UnmarshalText([]byte(tt.want)); err != nil || back != tt.in {
				t.Errorf("UnmarshalText(%q) = %d, %v; want %d", tt.want, back, err, tt.in)
			}
		})
	}
}
