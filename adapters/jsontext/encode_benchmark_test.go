// SPDX-License-Identifier: Apache-2.0

package jsontext

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func benchFloats(n int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = rng.Float32()*2 - 1
	}
	return vals
}

func BenchmarkAppendFloat32(b *testing.B) {
	vals := benchFloats(1 << 12)
	buf := make([]byte, 0, 64)
	b.Run("jsontext", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			buf = AppendFloat32(buf[:0], vals[i&(len(vals)-1)], true)
		}
	})
	b.Run("strconv", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			buf = strconv.AppendFloat(buf[:0], float64(vals[i&(len(vals)-1)]), 'g', -1, 32)
		}
	})
}

func BenchmarkReadFloat32s(b *testing.B) {
	vals := benchFloats(1 << 16)
	data := []byte{'['}
	for i, v := range vals {
		if i > 0 {
			data = append(data, ',')
		}
		data = AppendFloat32(data, v, true)
	}
	data = append(data, ']')
	dst := make([]float32, 0, len(vals))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDecoder(data)
		if err := d.ReadArrayStart(); err != nil {
			b.Fatal(err)
		}
		var err error
		if dst, err = d.ReadFloat32s(dst[:0], len(vals)); err != nil || len(dst) != len(vals) {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendFloat32Stream(b *testing.B) {
	for _, n := range []int{1 << 12, 1 << 20} {
		vals := benchFloats(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			buf := make([]byte, 0, 16*n)
			for b.Loop() {
				buf = buf[:0]
				for _, v := range vals {
					buf = AppendFloat32(buf, v, true)
					buf = append(buf, ',')
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/float")
		})
	}
}

// BenchmarkAppendFloat32s is the tensor encoder's loop: a million values
// into a buffer with room, as the OIP encoder presizes it.
func BenchmarkAppendFloat32s(b *testing.B) {
	vals := benchFloats(1 << 20)
	buf := AppendFloat32s(nil, vals, true)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFloat32s(buf[:0], vals, true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/float")
}
