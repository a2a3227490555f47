// SPDX-License-Identifier: Apache-2.0

package adaptertest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/adaptertest"
)

func TestSample(t *testing.T) {
	t.Parallel()
	for d := adapters.Bool; d <= adapters.BF16; d++ {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			in, err := adaptertest.Sample(d)
			if !d.JSONSupported() {
				if err == nil {
					t.Errorf("Sample(%s) error = nil, want an error", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("Sample(%s) error = %v", d, err)
			}
			if err := in.Validate(); err != nil {
				t.Errorf("Sample(%s) is invalid: %v", d, err)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	a, _ := adaptertest.Sample(adapters.Int8)
	b, _ := adaptertest.Sample(adapters.Bytes)
	m := adapters.ModelRef{Name: "m", Version: "2"}
	tests := []struct {
		name string
		req  *adapters.Request
		want *adapters.Response
	}{
		{"all inputs", &adapters.Request{ID: "1", Model: m, Inputs: []adapters.Tensor{a, b}, Parameters: adapters.Parameters{"p": true}},
			&adapters.Response{ID: "1", Model: m, Outputs: []adapters.Tensor{a, b}}},
		{"requested outputs in request order", &adapters.Request{ID: "2", Model: m, Inputs: []adapters.Tensor{a, b},
			Outputs: []adapters.OutputSpec{{Name: b.Name}, {Name: "missing"}, {Name: a.Name}}},
			&adapters.Response{ID: "2", Model: m, Outputs: []adapters.Tensor{b, a}}},
		{"raw", &adapters.Request{ID: "3", Model: m, Raw: &adapters.Payload{ContentType: "image/png", Data: []byte{1}}},
			&adapters.Response{ID: "3", Model: m, Raw: &adapters.Payload{ContentType: "image/png", Data: []byte{1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := adaptertest.Identity(tt.req)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Identity mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k    adaptertest.Kind
		want string
	}{
		{adaptertest.OK, "ok"},
		{adaptertest.OversizedBody, "oversized body"},
		{0, "kind(0)"},
		{42, "kind(42)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.k), got, tt.want)
		}
	}
}

func TestSignatureNamesVersion(t *testing.T) {
	t.Parallel()
	if got := adaptertest.Signature(adapters.ModelRef{Name: "m"}).Versions; got != nil {
		t.Errorf("Signature(m).Versions = %v, want nil", got)
	}
	if got := adaptertest.Signature(adapters.ModelRef{Name: "m", Version: "3"}).Versions; !cmp.Equal(got, []string{"3"}) {
		t.Errorf("Signature(m@3).Versions = %v, want [3]", got)
	}
}
