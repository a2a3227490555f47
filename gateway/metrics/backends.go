// SPDX-License-Identifier: Apache-2.0

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/modelgate/modelgate/gateway/resilience"
)

// backendDescs are the backend series, read from resilience.Snapshot at
// scrape time.
type backendDescs struct {
	attempts, retries, retriesDenied, breakerRejected, shed *prometheus.Desc
	inFlight, breakerState, breakerFailures, budget         *prometheus.Desc
}

func newBackendDescs() *backendDescs {
	b, bk := []string{"backend"}, []string{"backend", "key"}
	return &backendDescs{
		attempts: prometheus.NewDesc("modelgate_upstream_attempts_total",
			"Round trips started toward the backend, retries included.", b, nil),
		retries: prometheus.NewDesc("modelgate_upstream_retries_total",
			"Attempts toward the backend that were retries.", b, nil),
		retriesDenied: prometheus.NewDesc("modelgate_upstream_retries_denied_total",
			"Retries not made: reason budget (the retry budget was spent) or deadline "+
				"(the wait would not fit before the request's deadline).", []string{"backend", "reason"}, nil),
		breakerRejected: prometheus.NewDesc("modelgate_breaker_rejected_total",
			"Attempts that an open circuit breaker failed fast without contacting the backend.", b, nil),
		shed: prometheus.NewDesc("modelgate_limit_shed_total",
			"Calls shed with 503 because the backend had max_concurrency calls in flight.", b, nil),
		inFlight: prometheus.NewDesc("modelgate_backend_in_flight",
			"Calls in flight to the backend, as counted by its concurrency limit (0 when unlimited).", b, nil),
		breakerState: prometheus.NewDesc("modelgate_breaker_state",
			"Circuit breaker state: 0 closed, 1 half-open, 2 open. key is \"\" for the backend-wide breaker, "+
				"else the model.", bk, nil),
		breakerFailures: prometheus.NewDesc("modelgate_breaker_consecutive_failures",
			"Backend faults in a row seen by the circuit breaker.", bk, nil),
		budget: prometheus.NewDesc("modelgate_retry_budget_available",
			"Retries the backend's retry budget allows right now.", b, nil),
	}
}

// breakerValue maps resilience.BreakerState.State to the gauge value.
func breakerValue(state string) (float64, bool) {
	switch state {
	case "closed":
		return 0, true
	case "half-open":
		return 1, true
	case "open":
		return 2, true
	}
	return 0, false
}

// backendCollector exports the backends' resilience snapshots.
type backendCollector struct {
	d         *backendDescs
	snapshots func() []resilience.Snapshot
}

// Describe implements prometheus.Collector.
func (c *backendCollector) Describe(ch chan<- *prometheus.Desc) {
	d := c.d
	for _, x := range []*prometheus.Desc{d.attempts, d.retries, d.retriesDenied, d.breakerRejected,
		d.shed, d.inFlight, d.breakerState, d.breakerFailures, d.budget} {
		ch <- x
	}
}

// Collect implements prometheus.Collector.
func (c *backendCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.snapshots() {
		c.d.collect(ch, &s)
	}
}

// collect sends the series of one backend.
func (d *backendDescs) collect(ch chan<- prometheus.Metric, s *resilience.Snapshot) {
	send := func(x *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		m, err := prometheus.NewConstMetric(x, t, v, append([]string{s.Backend}, labels...)...)
		if err != nil { // a label that is not UTF-8: report it, never panic
			m = prometheus.NewInvalidMetric(x, err)
		}
		ch <- m
	}
	counter := func(x *prometheus.Desc, v int64, labels ...string) {
		send(x, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(x *prometheus.Desc, v float64, labels ...string) {
		send(x, prometheus.GaugeValue, v, labels...)
	}
	n := s.Counters
	counter(d.attempts, n.Attempts)
	counter(d.retries, n.Retries)
	counter(d.retriesDenied, n.RetriesDeniedBudget, "budget")
	counter(d.retriesDenied, n.RetriesDeniedDeadline, "deadline")
	counter(d.breakerRejected, n.BreakerRejected)
	counter(d.shed, n.Shed)
	gauge(d.inFlight, float64(s.InFlight))
	gauge(d.budget, float64(s.Budget.Available))
	for _, b := range s.Breakers {
		if v, ok := breakerValue(b.State); ok {
			gauge(d.breakerState, v, b.Key)
		}
		gauge(d.breakerFailures, float64(b.ConsecutiveFailures), b.Key)
	}
}
