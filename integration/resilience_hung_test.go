// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"bufio"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hungConfig routes "hung" to an IN-TEST server that accepts connections
// and never answers (not one of the composed backends: none of them can be
// made to hang on demand). The attempt timeout is far above the route's,
// so only the request deadline ends a call.
const hungConfig = `
server: {shutdown_timeout: 5s}
backends:
  - name: hung-in-test
    kind: oip
    url: "http://{{.Addr}}"
    timeout: 60s
    retry: {max_attempts: 1}
models:
  - name: hung
    timeout: {{.Deadline}}
    targets: [{backend: hung-in-test, model: iris}]
`

// Deadlines of TestHungBackend and the lateness allowed for a 504.
const (
	hungDeadline       = time.Second
	hungClientDeadline = 300 * time.Millisecond
	hungSlack          = 300 * time.Millisecond
	hungConcurrent     = 40
	// goroutineSlack is how far go_goroutines may read above its baseline
	// with nothing leaked. The gauge is read while GET /metrics is being
	// served, and prometheus' Registry.Gather starts its collector workers
	// on demand, so their number at that moment varies with scheduling
	// and with how many series there are (one more was seen in CI, for
	// 5 s on end, after the hung calls added the route's series). A leak
	// of one goroutine per hung call adds hungConcurrent or more.
	goroutineSlack = 4
)

// TestHungBackend sends requests to a backend that never answers: each
// client gets 504 at its deadline (the route's, or a shorter
// X-Request-Timeout), and afterwards the gateway holds no more upstream
// connections, file descriptors or goroutines than before.
func TestHungBackend(t *testing.T) {
	e := mustEnv(t)
	h := startHungServer(t)
	g := startGateway(t, e, render(t, e, hungConfig, map[string]any{"Addr": h.addr, "Deadline": hungDeadline.String()}))
	c := testClient()
	mustStatus(t, "warm-up", call(t, c, "GET", g.URL+"/v2/health/ready", ""), 200)
	c.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	baseFDs, baseG := fdCount(t, g.Pid), goroutines(t, g)

	body := v2Body("input-0", "FP32")
	r := call(t, c, "POST", g.URL+"/v2/models/hung/infer", body)
	check504(t, "route deadline", r, hungDeadline)
	routeMS := r.Elapsed.Milliseconds()
	r = call(t, c, "POST", g.URL+"/v2/models/hung/infer", body, "X-Request-Timeout", hungClientDeadline.String())
	check504(t, "client deadline", r, hungClientDeadline)
	figure(t, "hung_504_at route_deadline_ms=%d got_ms=%d client_deadline_ms=%d got_ms=%d",
		hungDeadline.Milliseconds(), routeMS, hungClientDeadline.Milliseconds(), r.Elapsed.Milliseconds())

	var wg sync.WaitGroup
	var worst atomic.Int64
	for range hungConcurrent {
		wg.Go(func() {
			r, err := tryCall(t.Context(), c, "POST", g.URL+"/v2/models/hung/infer", body)
			if err != nil {
				t.Error(err)
				return
			}
			check504(t, "concurrent", r, hungDeadline)
			for d := int64(r.Elapsed); ; {
				w := worst.Load()
				if d <= w || worst.CompareAndSwap(w, d) {
					break
				}
			}
		})
	}
	wg.Wait()
	figure(t, "hung_504 concurrent=%d deadline_ms=%d slowest_ms=%d accepted_upstream_conns=%d",
		hungConcurrent, hungDeadline.Milliseconds(), time.Duration(worst.Load()).Milliseconds(), h.accepted.Load())
	c.CloseIdleConnections()
	checkReleased(t, g, h, baseFDs, baseG)
}

// check504 asserts a 504 that came at deadline, not much later.
func check504(t *testing.T, what string, r *reply, deadline time.Duration) {
	t.Helper()
	if r.Status != 504 {
		t.Errorf("%s: got %s, want 504", what, r)
		return
	}
	if r.Elapsed < deadline || r.Elapsed > deadline+hungSlack {
		t.Errorf("%s: 504 after %v, want at the %v deadline (+%v)", what, r.Elapsed, deadline, hungSlack)
	}
}

// checkReleased waits up to 5 s for the gateway to close every upstream
// connection and return to its baseline of file descriptors and
// goroutines (give or take goroutineSlack).
func checkReleased(t *testing.T, g *gatewayProc, h *hungServer, baseFDs, baseG int) {
	t.Helper()
	var fds, gs int
	settled := waitFor(t.Context(), 5*time.Second, func() bool {
		fds, gs = fdCount(t, g.Pid), goroutines(t, g)
		return h.open.Load() == 0 && fds <= baseFDs && (baseG < 0 || gs <= baseG+goroutineSlack)
	})
	figure(t, "hung_after open_upstream_conns=%d fds_baseline=%d fds_after=%d goroutines_baseline=%d goroutines_after=%d settled_ms=%d",
		h.open.Load(), baseFDs, fds, baseG, gs, settled.Milliseconds())
	if baseG < 0 {
		figure(t, "hung_goroutines=unavailable (GET /metrics has no go_goroutines; only fds and upstream connections were checked)")
	}
	if settled < 0 {
		t.Errorf("after the hung calls: %d upstream connections still open (want 0), fds %d (baseline %d), goroutines %d (baseline %d, +%d allowed)",
			h.open.Load(), fds, baseFDs, gs, baseG, goroutineSlack)
	}
}

// hungServer accepts TCP connections, reads whatever comes and never
// answers. It counts accepted and still-open connections.
type hungServer struct {
	addr     string
	accepted atomic.Int64
	open     atomic.Int64
}

func startHungServer(t *testing.T) *hungServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("hung server: %v", err)
	}
	h := &hungServer{addr: ln.Addr().String()}
	var conns sync.WaitGroup
	var mu sync.Mutex
	var all []net.Conn
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			h.accepted.Add(1)
			h.open.Add(1)
			mu.Lock()
			all = append(all, conn)
			mu.Unlock()
			conns.Go(func() {
				_, _ = io.Copy(io.Discard, conn) // until the gateway closes it
				h.open.Add(-1)
			})
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range all {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	return h
}

// fdCount is the number of open file descriptors of process pid.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatalf("fds of the gateway: %v", err)
	}
	return len(ents)
}

// goroutines reads go_goroutines from the gateway's GET /metrics, or -1
// when the gateway exposes no such metric.
func goroutines(t *testing.T, g *gatewayProc) int {
	t.Helper()
	c := testClient()
	defer c.CloseIdleConnections()
	r := call(t, c, "GET", g.URL+"/metrics", "")
	if r.Status != 200 {
		return -1
	}
	sc := bufio.NewScanner(strings.NewReader(string(r.Body)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("go_goroutines %q: %v", v, err)
			}
			return int(n)
		}
	}
	return -1
}
