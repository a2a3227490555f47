// SPDX-License-Identifier: Apache-2.0

//go:build integration

package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// sample is one request of a load run.
type sample struct {
	start   time.Duration // since the run began
	latency time.Duration
	status  int    // 0: transport error
	backend string // X-Modelgate-Backend
	err     string // error message of a failure
}

// end is when the answer arrived, since the run began.
func (s sample) end() time.Duration { return s.start + s.latency }

// load is a closed-loop load run: Clients goroutines send Request's
// request one after the other, pausing Think between requests, until ctx
// is done or Stop returns true. Bounded by ctx in any case. Its clock
// starts at newLoad, so other goroutines may call since from then on.
type load struct {
	Clients int
	Think   time.Duration
	// Request builds the next request.
	Request func(ctx context.Context) (*http.Request, error)
	// Stop, if set, is consulted after every answer.
	Stop func(s sample) bool

	begun   time.Time
	mu      sync.Mutex
	samples []sample
}

// newLoad returns a load run of clients clients posting body to url.
func newLoad(clients int, think time.Duration, url, body string) *load {
	return &load{Clients: clients, Think: think, Request: postJSON(url, body), begun: time.Now()}
}

// run sends requests until ctx is done or Stop says so, and returns the
// samples sorted by start time.
func (l *load) run(ctx context.Context) []sample {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: l.Clients, MaxConnsPerHost: l.Clients},
	}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	for range l.Clients {
		wg.Go(func() { l.client(ctx, cancel, c) })
	}
	wg.Wait()
	sort.Slice(l.samples, func(i, j int) bool { return l.samples[i].start < l.samples[j].start })
	return l.samples
}

// since is the time elapsed since the run began.
func (l *load) since() time.Duration { return time.Since(l.begun) }

func (l *load) client(ctx context.Context, cancel context.CancelFunc, c *http.Client) {
	for ctx.Err() == nil {
		s, ok := l.one(ctx, c)
		if !ok {
			return // the run ended during the request: not a sample
		}
		l.mu.Lock()
		l.samples = append(l.samples, s)
		l.mu.Unlock()
		if l.Stop != nil && l.Stop(s) {
			cancel()
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(l.Think):
		}
	}
}

// one sends a request; ok is false when the run's context ended it.
func (l *load) one(ctx context.Context, c *http.Client) (sample, bool) {
	req, err := l.Request(ctx)
	if err != nil {
		return sample{err: err.Error()}, true
	}
	s := sample{start: l.since()}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return s, false
		}
		s.latency, s.err = l.since()-s.start, err.Error()
		return s, true
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	s.latency, s.status = l.since()-s.start, resp.StatusCode
	s.backend = resp.Header.Get("X-Modelgate-Backend")
	if err == nil && resp.StatusCode != http.StatusOK {
		s.err = strings.TrimSpace(string(body))
	}
	return s, true
}

// tally counts samples by status ("err" for transport errors) and backend.
func tally(samples []sample) map[string]int {
	m := map[string]int{}
	for _, s := range samples {
		k := fmt.Sprint(s.status)
		if s.status == 0 {
			k = "err"
		}
		m[k]++
		if s.backend != "" && s.status == http.StatusOK {
			m["ok_from_"+s.backend]++
		}
	}
	return m
}

// latencies summarises the latencies of samples.
type latencies struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

func latencyOf(samples []sample) latencies {
	d := make([]time.Duration, 0, len(samples))
	for _, s := range samples {
		d = append(d, s.latency)
	}
	slices.Sort(d)
	if len(d) == 0 {
		return latencies{}
	}
	q := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return latencies{N: len(d), P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: d[len(d)-1]}
}

// String formats latencies as FIGURE-friendly key=value pairs in ms.
func (l latencies) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("n=%d p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%s", l.N, ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))
}

// filter returns the samples for which keep is true.
func filter(samples []sample, keep func(sample) bool) []sample {
	var out []sample
	for _, s := range samples {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// postJSON returns a Request function posting body to url.
func postJSON(url, body string) func(ctx context.Context) (*http.Request, error) {
	return func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
}
