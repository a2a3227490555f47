// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/gateway/upstream"
)

// ClientOptions configures NewClient.
type ClientOptions struct {
	// Backend is the backend's configured name; it names the breakers, the
	// log lines and the errors. Required.
	Backend string
	// Policy is the resilience policy; start from DefaultPolicy.
	Policy Policy
	// Logger receives breaker state changes (Info; Warn when opening),
	// exhausted retry budgets and go-retryablehttp's messages (Debug), with
	// a "backend" attribute. If nil, nothing is logged.
	Logger *slog.Logger
	// Transport is the base transport under the breaker. If nil, a pooled
	// *upstream.Transport is built from Policy.Pool and Policy.AttemptTimeout.
	// Tests pass in-memory fakes here.
	Transport http.RoundTripper
	// Retryable, if set, decides first whether a response is worth a retry:
	// ok=false defers to the default (retry 429, 502, 503, 504). It may read
	// the body through PeekBody. It is not consulted for transport errors.
	Retryable func(resp *http.Response) (retry, ok bool)
	// Fault, if set, decides first whether a response counts as a backend
	// fault for the breaker: ok=false defers to the default (5xx except
	// 501, and 429). It may read the body through PeekBody.
	Fault func(resp *http.Response) (fault, ok bool)
	// BreakerKey, if set, selects the breaker of each attempt, e.g.
	// PathSegmentKey(2) for one breaker per model of an OIP backend. If
	// nil, one breaker guards the whole backend.
	BreakerKey func(req *http.Request) string
}

// Backend is the resilient HTTP client of one backend: its pooled
// transport, breakers, retry budget and concurrency limiter. It is safe for
// concurrent use; build one per backend and share it among all the adapters
// (route targets) of that backend.
type Backend struct {
	name      string
	policy    Policy
	log       *slog.Logger
	pool      *upstream.Transport // nil when ClientOptions.Transport was given
	base      http.RoundTripper
	inner     *http.Client // one attempt: breaker → base; no redirects
	client    *http.Client // Client(): retries around inner
	retry     *retryTransport
	budget    *budget
	breakers  *breakers
	limiter   *Limiter // nil when MaxConcurrency is 0
	retryable func(*http.Response) (bool, bool)
	randN     func(int64) int64
	stats     stats
	retryLog  retryablehttp.LeveledLogger // b.log, pre-boxed
	calls     sync.Pool                   // of *call
}

// NewClient validates opts and builds the backend's client stack.
func NewClient(opts ClientOptions) (*Backend, error) {
	if err := validate(&opts); err != nil {
		return nil, err
	}
	p := opts.Policy
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("backend", opts.Backend))
	b := &Backend{
		name: opts.Backend, policy: p, log: log, base: opts.Transport,
		budget:    newBudget(p.BudgetRatio, p.BudgetFloor, p.BudgetWindow),
		breakers:  newBreakers(opts.Backend, p.Breaker, log),
		retryable: opts.Retryable, randN: rand.Int64N,
	}
	if b.base == nil {
		b.pool = newTransport(p)
		b.base = b.pool
	}
	if p.MaxConcurrency > 0 {
		b.limiter, _ = NewLimiter(opts.Backend, p.MaxConcurrency)
		b.limiter.stats = &b.stats
	}
	bt := &breakerTransport{base: b.base, breakers: b.breakers, key: opts.BreakerKey, fault: opts.Fault, stats: &b.stats}
	b.inner = &http.Client{Transport: bt, CheckRedirect: noRedirect}
	b.retry = &retryTransport{b: b, first: bt}
	b.client = &http.Client{Transport: b.retry}
	b.retryLog = retryLogger{log}
	b.calls.New = func() any { return b.newCall() }
	return b, nil
}

func validate(opts *ClientOptions) error {
	var errs []error
	if opts.Backend == "" {
		errs = append(errs, errors.New("Backend: must not be empty"))
	}
	if err := opts.Policy.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("resilience: backend %q: %w", opts.Backend, err)
	}
	return nil
}

// noRedirect leaves redirects to the outer client, which sees every hop.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Name returns the backend's name.
func (b *Backend) Name() string { return b.name }

// Do sends req through the backend's retries, breakers and pool: what
// the backend's adapters call (it satisfies adapters.HTTPClient). Unlike
// Client().Do it neither follows redirects (a 3xx is returned as it is: an
// adapter's request is for its backend only) nor wraps errors in
// *url.Error, and it saves http.Client's per-request copying.
func (b *Backend) Do(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, errors.New("resilience: nil Request.URL")
	}
	return b.retry.RoundTrip(req)
}

// Client returns an *http.Client over the same stack, for callers that
// need one; adapters get the Backend itself (Do).
// It has no Timeout: the request context carries the deadline, and
// Policy.AttemptTimeout bounds each attempt's wait for headers.
func (b *Backend) Client() *http.Client { return b.client }

// Limit wraps a with the backend's shared Limiter (Policy.MaxConcurrency),
// or returns a as is when MaxConcurrency is 0.
func (b *Backend) Limit(a adapters.Adapter) adapters.Adapter {
	if b.limiter == nil {
		return a
	}
	return b.limiter.Wrap(a)
}

// Close closes the idle connections of the backend's pool. In-flight
// requests are not affected; the Backend stays usable.
func (b *Backend) Close() {
	if c, ok := b.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
