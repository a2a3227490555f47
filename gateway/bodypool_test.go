// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/adapters"
)

func TestSizeClass(t *testing.T) {
	t.Parallel()
	prevClass, prevCap := -1, 0
	for n := poolMin; n <= 64<<20; n += n/97 + 1 {
		class, capacity := sizeClass(n)
		if capacity < n || capacity > n+n/4 {
			t.Fatalf("sizeClass(%d) capacity %d: want n ≤ capacity ≤ 1.25 n", n, capacity)
		}
		if class < prevClass || class == prevClass && capacity != prevCap || class > prevClass && capacity <= prevCap {
			t.Fatalf("sizeClass(%d) = %d, %d after class %d, %d: classes must grow with capacity", n, class, capacity, prevClass, prevCap)
		}
		if class >= maxPoolClass {
			t.Fatalf("sizeClass(%d) = class %d, beyond the pool", n, class)
		}
		prevClass, prevCap = class, capacity
	}
	for _, n := range []int{1 << 20, 1<<20 + 1, 5 << 18, 5<<18 + 1} {
		if _, c := sizeClass(n); c != map[int]int{1 << 20: 1 << 20, 1<<20 + 1: 5 << 18, 5 << 18: 5 << 18, 5<<18 + 1: 6 << 18}[n] {
			t.Errorf("sizeClass(%d) capacity %d", n, c)
		}
	}
}

// TestBodyPoolHolds: a buffer goes back to the pool only after the last
// hold is released, and is never handed out while held.
func TestBodyPoolHolds(t *testing.T) {
	t.Parallel()
	var p bodyPool
	if p.get(poolMin-1) != nil {
		t.Fatal("a body below poolMin was pooled")
	}
	b := p.get(poolMin + 10)
	if b == nil || len(b.data) != poolMin+10 {
		t.Fatal("no pooled buffer of the body's length")
	}
	release := b.hold()
	b.drop() // the handler is done; an upstream body still reads it
	for range 100 {
		if o := p.get(poolMin + 10); o == b {
			t.Fatal("a held buffer was handed out again")
		} else {
			o.drop()
		}
	}
	release()
	release() // only the first call releases
	if got := b.refs.Load(); got != 0 || b.data != nil {
		t.Fatalf("after the last release: refs %d, data kept %v; want 0 and none", got, b.data != nil)
	}
}

// TestInferBodyHeldByAdapter: while an adapter holds the body of a large
// request (an upstream body not yet closed), later requests are read into
// other memory, and the held bytes stay as the client sent them.
func TestInferBodyHeldByAdapter(t *testing.T) {
	t.Parallel()
	big := func(fill string) string {
		n := (poolMin + 4096) / (len(fill) + 1)
		data := strings.TrimSuffix(strings.Repeat(fill+",", n), ",")
		return `{"id":"` + fill + `","inputs":[{"name":"x","shape":[` + strconv.Itoa(n) + `],"datatype":"FP64","data":[` + data + `]}]}`
	}
	var mu sync.Mutex
	type held struct {
		source  []byte
		want    string
		release func()
	}
	var holds []held
	a := &fake{infer: func(_ context.Context, req *adapters.Request) (*adapters.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(req.Source) >= poolMin {
			if req.SourceHold == nil {
				t.Error("a large body came without SourceHold")
			} else {
				holds = append(holds, held{req.Source, string(req.Source), req.SourceHold()})
			}
		} else if req.SourceHold != nil {
			t.Error("a small body came with SourceHold")
		}
		return &adapters.Response{Outputs: []adapters.Tensor{{Name: "y", DType: adapters.FP64, Shape: []int64{1},
			Data: adapters.TensorData{FP64: []float64{1}}}}}, nil
	}}
	g := newGateway(t, oneRoute(time.Second, Target{Backend: "a", Adapter: a, SendsSource: true}))
	for _, fill := range []string{"1.5", "2.5", "3.5", "4.5"} {
		rec := do(t, g, "POST", "/v2/models/iris/infer", big(fill), "Content-Type", "application/json")
		wantStatus(t, rec, 200, "")
	}
	wantStatus(t, do(t, g, "POST", "/v2/models/iris/infer", inferBody, "Content-Type", "application/json"), 200, "")
	mu.Lock()
	defer mu.Unlock()
	if len(holds) != 4 {
		t.Fatalf("%d large bodies held, want 4", len(holds))
	}
	for i, h := range holds {
		if string(h.source) != h.want {
			t.Errorf("held body %d changed after later requests", i)
		}
		for _, o := range holds[:i] {
			if &o.source[0] == &h.source[0] || bytes.Equal(o.source, h.source) {
				t.Errorf("held body %d shares memory or content with an earlier held body", i)
			}
		}
	}
	for _, h := range holds {
		h.release()
	}
}
