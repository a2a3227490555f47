// SPDX-License-Identifier: Apache-2.0

package adapters

import "runtime"

// runtimeMem samples the allocator's cumulative byte count.
type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}
