// SPDX-License-Identifier: Apache-2.0

package metrics

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/modelgate/modelgate/gateway"
	"github.com/modelgate/modelgate/gateway/resilience"
)

// DefaultDurationBuckets are the request duration histogram's upper
// bounds in seconds: from 1 ms, for fast tabular models, to 60 s, twice the
// default route timeout.
func DefaultDurationBuckets() []float64 {
	return []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
}

// Options configure New.
type Options struct {
	// Registry receives every collector. Required: the process-wide
	// default registry is never used.
	Registry *prometheus.Registry
	// Backends returns the resilience state of every current backend; it is
	// called at each scrape, so it must be fast and safe for concurrent
	// use, and backend names must be unique. If nil, no backend series are
	// exported.
	Backends func() []resilience.Snapshot
	// Version is the modelgate_build_info version label. Default: "dev".
	Version string
	// DurationBuckets are the request duration histogram's buckets, in
	// seconds. If empty, DefaultDurationBuckets.
	DurationBuckets []float64
	// ErrorLog receives errors the /metrics handler meets while gathering
	// (the scrape still answers with what could be gathered). If nil, they
	// are not logged.
	ErrorLog promhttp.Logger
}

// Metrics records requests and serves the registry. It is safe for
// concurrent use.
type Metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	reloads    *prometheus.CounterVec
	lastReload prometheus.Gauge
	handler    http.Handler
}

// New registers modelgate's collectors, the Go and process collectors on
// opts.Registry and returns the Metrics. It fails if opts.Registry is nil or
// already holds one of these collectors.
func New(opts Options) (*Metrics, error) {
	if opts.Registry == nil {
		return nil, errors.New("metrics: Options.Registry is required (the default registry is never used)")
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if len(opts.DurationBuckets) == 0 {
		opts.DurationBuckets = DefaultDurationBuckets()
	}
	m := newMetrics(opts.DurationBuckets)
	cs := []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(opts.Version),
		m.requests, m.duration, m.reloads, m.lastReload,
	}
	if opts.Backends != nil {
		cs = append(cs, &backendCollector{d: newBackendDescs(), snapshots: opts.Backends})
	}
	for _, c := range cs {
		if err := opts.Registry.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	m.handler = promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{
		Registry:      opts.Registry, // promhttp_metric_handler_errors_total
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      opts.ErrorLog,
	})
	return m, nil
}

// The result label values of modelgate_config_reloads_total.
const (
	reloadSuccess = "success"
	reloadFailure = "failure"
)

// newMetrics builds the request and reload collectors.
func newMetrics(buckets []float64) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_requests_total",
			Help: "Requests served, by route (model), front protocol, response status and backend.",
		}, []string{"route", "protocol", "status", "backend"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "modelgate_request_duration_seconds",
			Help:    "Time from a request's arrival to its last byte, by route (model), front protocol and backend.",
			Buckets: buckets,
		}, []string{"route", "protocol", "backend"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_config_reloads_total",
			Help: "Configuration reloads, by result (success or failure; a failed reload keeps the old configuration).",
		}, []string{"result"}),
		lastReload: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "modelgate_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration load (startup or reload).",
		}),
	}
	m.reloads.WithLabelValues(reloadSuccess) // export both results from the start, at 0
	m.reloads.WithLabelValues(reloadFailure)
	return m
}

// buildInfo is the constant modelgate_build_info{version} 1.
func buildInfo(version string) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "modelgate_build_info",
		Help:        "Always 1; the version label is modelgate's version.",
		ConstLabels: prometheus.Labels{"version": version},
	}, func() float64 { return 1 })
}

// Observe records one finished request; it is gateway.Options.Observe.
func (m *Metrics) Observe(o gateway.Observation) {
	m.requests.WithLabelValues(o.Route, o.Protocol, strconv.Itoa(o.Status), o.Backend).Inc()
	m.duration.WithLabelValues(o.Route, o.Protocol, o.Backend).Observe(o.Duration.Seconds())
}

// ConfigLoaded records that a configuration took effect at t: at startup
// or after a successful reload.
func (m *Metrics) ConfigLoaded(t time.Time) {
	m.lastReload.Set(float64(t.UnixNano()) / 1e9)
}

// Reloaded records a reload attempt at t; ok is false when the new file was
// rejected and the old configuration stays.
func (m *Metrics) Reloaded(ok bool, t time.Time) {
	if !ok {
		m.reloads.WithLabelValues(reloadFailure).Inc()
		return
	}
	m.reloads.WithLabelValues(reloadSuccess).Inc()
	m.ConfigLoaded(t)
}

// Handler serves the registry in the Prometheus exposition formats; it is
// gateway.Options.Metrics.
func (m *Metrics) Handler() http.Handler { return m.handler }
