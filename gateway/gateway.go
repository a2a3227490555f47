// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// Options configures a Gateway. The zero value of every field except Routes
// is usable.
type Options struct {
	// Routes are the models clients can call, by name. Names are unique.
	Routes []Route
	// MaxBodyBytes caps request bodies; larger ones get 413. Default: 16 MiB.
	MaxBodyBytes int64
	// Logger receives one line per request. If nil, nothing is logged.
	Logger *slog.Logger
	// Version is reported by GET /v2 and as info.version of GET
	// /openapi.json. Default: "dev".
	Version string
	// ReadHeaderTimeout bounds reading request headers. Default: 10s.
	ReadHeaderTimeout time.Duration
	// IdleTimeout bounds idle keep-alive connections. Default: 120s.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for in-flight requests after
	// its context is done. Default: 30s.
	ShutdownTimeout time.Duration
	// DrainDelay is how long Run reports not-ready (503 on /v2/health/ready)
	// before it stops accepting connections. Default: 0.
	DrainDelay time.Duration
	// Attempts, if set, installs a per-request upstream attempt counter (the
	// resilience layer's) in the request context. It is called once per
	// routed request; the returned function reports the attempts recorded so
	// far, across all targets. If nil, the gateway counts adapter calls.
	Attempts AttemptCounter
	// Observe, if set, is called once per finished request, after the
	// response is written, for metrics. It must be fast and safe for
	// concurrent use.
	Observe func(Observation)
	// Metrics, if set, is served at GET /metrics (for example a Prometheus
	// handler wired in cmd/modelgate). If nil, /metrics is 404.
	Metrics http.Handler
	// Admin, if set, enables the JSON admin endpoints GET /admin/backends,
	// GET /admin/config and GET /admin/routes/{model} (see AdminSource).
	// If nil, /admin/... is 404. They carry no authentication: expose the
	// listener only where operators may see backend state.
	Admin AdminSource
}

// Observation describes one finished request.
type Observation struct {
	// Method is the HTTP method.
	Method string
	// Route is the route name, or "" when the request named no known model
	// (health, metadata of the server, unknown models), so that label
	// cardinality stays bounded by the configuration.
	Route string
	// Protocol is the front protocol of the request's path: "v2" (Open
	// Inference Protocol, /v2/...), "v1" (TF Serving REST, /v1/...), or ""
	// for everything else (/metrics, /admin/...).
	Protocol string
	// Backend is the target that answered, or the last one tried; "" if none.
	Backend string
	// Status is the response status.
	Status int
	// Attempts is the number of upstream attempts (X-Modelgate-Attempts).
	Attempts int
	// Duration is the time from the request's arrival to its last byte.
	Duration time.Duration
}

// AttemptCounter installs an upstream attempt counter in ctx. It returns the
// context to pass to adapters and a function that reports how many upstream
// attempts were made through that context so far. It must be safe for
// concurrent use.
type AttemptCounter func(ctx context.Context) (context.Context, func() int)

// Route is a model name clients call and the targets that serve it.
type Route struct {
	// Name is the model name in client paths (/v2/models/{Name}/infer). It
	// must not be empty or contain '/' or ':'.
	Name string
	// Timeout bounds one whole request, all targets and attempts included.
	// Zero means no route limit (a client X-Request-Timeout still applies).
	Timeout time.Duration
	// Targets are tried in order; later ones are fallbacks. At least one.
	Targets []Target
}

// Target is one backend serving a route.
type Target struct {
	// Backend is the backend's configured name, reported in
	// X-Modelgate-Backend and in log lines. Required.
	Backend string
	// Model is the backend's own name and version for the model. An empty
	// Name means the route name. A version in the client's path replaces
	// Version.
	Model adapters.ModelRef
	// Adapter talks to the backend. Required.
	Adapter adapters.Adapter
	// SendsSource says that Adapter sends an inference request's Source
	// (the client's OIP body) as it is whenever it is set, and reads no
	// input data then. When every target of a route does, v2 requests are
	// checked without decoding their data (adapters.ScanRequest).
	SendsSource bool
	// TypedByMetadata says that Adapter checks inputs against the model's
	// signature and gives outputs its datatypes only once its ModelMetadata
	// has been called for that model version (the tfserving adapter: TF
	// Serving's JSON does not say whether 0.5 is a float or a double). The
	// gateway then calls ModelMetadata before the target's first inference
	// of each version; see learnSignature.
	TypedByMetadata bool
	// Describe, if set, is called by the route explanation
	// (GET /admin/routes/{model}, see Options.Admin), which shows its
	// result as the target's "details": e.g. the backend kind, per-kind
	// options and the live breaker state. It must be fast, safe for
	// concurrent use and return a value encoding/json can marshal.
	Describe func() any
}

// Gateway is the HTTP surface. It is safe for concurrent use.
type Gateway struct {
	opts     Options
	log      *slog.Logger
	table    atomic.Pointer[routeTable] // the current routes; see SetRoutes
	echo     *echo.Echo
	v1       v1Paths
	draining atomic.Bool
	// shutdownTimeout and drainDelay start as Options' and follow
	// SetShutdownTimeouts (config reload).
	shutdownTimeout, drainDelay atomic.Int64

	indexTimeout time.Duration // bounds the repository index's readiness checks
	bodies       bodyPool      // buffers of large v2 infer bodies
}

// route is a validated Route with per-target state.
type route struct {
	name    string
	timeout time.Duration
	targets []*target
	// scan: every target sends Source, so v2 input data need not be kept.
	scan bool
}

// target is a validated Target with its metadata cache.
type target struct {
	backend  string
	model    adapters.ModelRef
	adapter  adapters.Adapter
	describe func() any // Target.Describe
	sigs     sigCache
	// typedByMetadata: see Target.TypedByMetadata.
	typedByMetadata bool
}

// ref is the backend model reference for a client-requested version.
func (t *target) ref(version string) adapters.ModelRef {
	m := t.model
	if version != "" {
		m.Version = version
	}
	return m
}

// New validates opts, applies defaults and builds the Gateway.
func New(opts Options) (*Gateway, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("gateway: invalid options: %w", err)
	}
	opts.setDefaults()
	g := &Gateway{opts: opts, log: opts.Logger, indexTimeout: indexReadyTimeout}
	g.table.Store(newRouteTable(opts.Routes))
	g.SetShutdownTimeouts(opts.ShutdownTimeout, opts.DrainDelay)
	g.v1 = newV1Paths()
	g.echo = g.newEcho()
	return g, nil
}

// newEcho builds the echo instance with middleware, routes and the error
// handler.
func (g *Gateway) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = g.handleError
	e.Pre(routeEscaped)
	e.Use(g.requestID, g.logRequests)
	g.registerV2(e)
	g.registerV1(e)
	if g.opts.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(g.opts.Metrics))
	}
	g.registerAdmin(e)
	g.registerOpenAPI(e)
	return e
}

// Handler returns the gateway's http.Handler, for tests and custom servers.
func (g *Gateway) Handler() http.Handler { return g.echo }

// SetDraining sets whether readiness (/v2/health/ready) reports 503, so load
// balancers stop sending new requests before shutdown.
func (g *Gateway) SetDraining(on bool) { g.draining.Store(on) }

// SetShutdownTimeouts replaces Options.ShutdownTimeout and
// Options.DrainDelay for the next shutdown (a configuration reload). A
// non-positive shutdown keeps the current ShutdownTimeout; a negative delay
// means none.
func (g *Gateway) SetShutdownTimeouts(shutdown, drainDelay time.Duration) {
	if shutdown > 0 {
		g.shutdownTimeout.Store(int64(shutdown))
	}
	g.drainDelay.Store(int64(max(drainDelay, 0)))
}

// Draining reports whether the gateway is draining.
func (g *Gateway) Draining() bool { return g.draining.Load() }

// Run serves on ln until ctx is done, then drains: it reports not-ready,
// waits DrainDelay, and shuts the server down gracefully, letting in-flight
// requests finish within ShutdownTimeout. It closes ln. It returns nil after
// a clean shutdown, or the error that stopped serving.
func (g *Gateway) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           g.echo,
		ReadHeaderTimeout: g.opts.ReadHeaderTimeout,
		IdleTimeout:       g.opts.IdleTimeout,
		// WriteTimeout stays 0: each request is bounded by its context
		// deadline instead, and streaming responses must not be cut.
		ErrorLog: slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("gateway: serve: %w", err)
	case <-ctx.Done():
	}
	return g.shutdown(srv, served)
}

// shutdown drains and stops srv; served receives Serve's result.
func (g *Gateway) shutdown(srv *http.Server, served <-chan error) error {
	g.SetDraining(true)
	delay, timeout := time.Duration(g.drainDelay.Load()), time.Duration(g.shutdownTimeout.Load())
	g.log.Info("draining", "drain_delay", delay, "shutdown_timeout", timeout)
	if delay > 0 {
		time.Sleep(delay)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("gateway: shutdown: in-flight requests did not finish within %s: %w",
			timeout, err)
		_ = srv.Close()
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("gateway: serve: %w", serr))
	}
	return err
}
