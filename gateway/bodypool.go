// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// Large request bodies are read into pooled buffers, so that a stream of
// big tensors does not make the garbage collector's heap target, and with
// it the process's memory, grow to twice what is in flight. A buffer goes
// back to the pool only when the handler is done with it and every
// upstream body reading it has been closed (adapters.Request.SourceHold).
const (
	// poolMin is the smallest body read into a pooled buffer: below it,
	// allocation is cheap and memory is not at stake.
	poolMin = 256 << 10
	// classesPerOctave size classes between powers of two bound the
	// capacity a buffer wastes to a quarter of the body.
	classesPerOctave = 4
	// maxPoolClass covers bodies up to maxPooledBody bytes.
	maxPoolClass  = 31 * classesPerOctave
	maxPooledBody = 1 << 31
)

// bodyPool holds buffers by size class.
type bodyPool struct {
	classes [maxPoolClass]sync.Pool
}

// sizeClass returns the class of a body of n ≥ poolMin bytes and the
// capacity of that class's buffers: 2^(k-1)·(1 + q/4) for q in 1..4, the
// smallest such capacity ≥ n.
func sizeClass(n int) (class, capacity int) {
	k := bits.Len(uint(n - 1)) // 2^(k-1) < n ≤ 2^k
	base, step := 1<<(k-1), 1<<(k-1)/classesPerOctave
	q := (n - base + step - 1) / step // 1..4
	return (k-1)*classesPerOctave + q - 1, base + q*step
}

// get returns a buffer of length n, held once for the caller, or nil when
// n is not pooled.
func (p *bodyPool) get(n int) *bodyBuf {
	if n < poolMin {
		return nil
	}
	class, capacity := sizeClass(n)
	if class >= maxPoolClass {
		return nil
	}
	b, _ := p.classes[class].Get().(*bodyBuf)
	if b == nil {
		b = &bodyBuf{pool: p, class: class, buf: make([]byte, capacity)}
	}
	b.refs.Store(1)
	b.data = b.buf[:n]
	return b
}

// bodyBuf is a pooled body buffer with a count of its holders.
type bodyBuf struct {
	pool  *bodyPool
	class int
	buf   []byte // the whole buffer
	data  []byte // the body in it
	refs  atomic.Int32
}

// hold adds a holder and returns its release, which only its first call
// performs.
func (b *bodyBuf) hold() func() {
	b.refs.Add(1)
	var done atomic.Bool
	return func() {
		if done.CompareAndSwap(false, true) {
			b.drop()
		}
	}
}

// drop releases one hold; the last one returns the buffer to the pool.
func (b *bodyBuf) drop() {
	if b.refs.Add(-1) == 0 {
		b.data = nil
		b.pool.classes[b.class].Put(b)
	}
}
