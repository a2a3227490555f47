// SPDX-License-Identifier: Apache-2.0

package adaptertest

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

// leakWait is how long goroutines get to finish after the last test.
const leakWait = 2 * time.Second

// checkLeaks reports goroutines created by the adapters' packages (or by
// the shared jsonhttp helpers) that are still alive once every test of the
// suite has finished and its servers and connections are closed. Adapters
// make one synchronous round trip per call and have no reason to start
// goroutines that outlive it. Goroutines of other tests running in parallel
// are not confused with leaks: only the creator of a goroutine counts.
func (s *suite) checkLeaks(t *testing.T) {
	s.mu.Lock()
	pkgs := []string{reflect.TypeFor[adapters.Request]().PkgPath() + "/internal/jsonhttp"}
	for p := range s.pkgs {
		pkgs = append(pkgs, p)
	}
	s.mu.Unlock()
	deadline := time.Now().Add(leakWait)
	for {
		leaked := goroutinesCreatedBy(pkgs)
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines started by the adapter outlive its calls:\n\n%s",
				len(leaked), strings.Join(leaked, "\n\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// goroutinesCreatedBy returns the stacks of the goroutines whose creator is
// a function of one of pkgs.
func goroutinesCreatedBy(pkgs []string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var leaked []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if slices.ContainsFunc(pkgs, func(p string) bool { return createdBy(g, p) }) {
			leaked = append(leaked, g)
		}
	}
	return leaked
}

// createdBy reports whether the goroutine stack g was created by a function
// of package pkg ("created by pkg.(*T).M in goroutine 7").
func createdBy(g, pkg string) bool {
	_, after, ok := strings.Cut(g, "\ncreated by ")
	return ok && strings.HasPrefix(after, pkg+".")
}
