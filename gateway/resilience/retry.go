// SPDX-License-Identifier: Apache-2.0

package resilience

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// drainLimit is how much of a discarded answer is read, as in
// go-retryablehttp.
const drainLimit = 4096

// maxWaitWithoutDeadline bounds a retry wait (a long Retry-After) when the
// request has no deadline; the gateway always sets one.
const maxWaitWithoutDeadline = 30 * time.Second

// retryTransport is the outer layer: it makes each request's first
// attempt through the breaker itself and, when that attempt asks for a
// retry, runs the rest through a go-retryablehttp client whose attempts go
// through the breaker too.
type retryTransport struct {
	b     *Backend
	first http.RoundTripper // the breaker layer
}

// RoundTrip implements http.RoundTripper. It never modifies req.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	b := t.b
	b.budget.deposit(time.Now())
	if b.policy.MaxAttempts == 1 || !rewindable(req) {
		// A body that cannot be replayed (no GetBody) is never retried.
		resp, err := b.inner.Do(req)
		return finish(req, resp, err)
	}
	// The retryablehttp.Client and its callbacks are per call, so that
	// CheckRetry and Backoff share this call's state: Backoff is given
	// neither the context nor the transport error, but must honour the
	// deadline for both. They are pooled: none outlives rc.Do.
	c := b.calls.Get().(*call)
	defer b.calls.Put(c)
	c.attempts, c.wait = 0, 0
	// The first attempt sends req's own body, in a copy that keeps
	// ContentLength and GetBody, so req itself is never modified. It goes
	// to the breaker directly: most calls need no other attempt, and then
	// skip go-retryablehttp's and http.Client's set-up. checkRetry judges
	// it as it judges every attempt.
	r := *req
	resp, err := t.first.RoundTrip(&r)
	if retry, _ := c.checkRetry(req.Context(), resp, err); !retry {
		return finish(req, resp, err)
	}
	if resp != nil {
		// As go-retryablehttp does between attempts: read a little of the
		// answer, so that its connection may be reused, and close it.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		_ = resp.Body.Close()
	}
	if b.log.Enabled(context.Background(), slog.LevelDebug) {
		// go-retryablehttp's message for the retries it decides.
		b.log.Debug("retrying request", "request", req.Method+" "+req.URL.Redacted(),
			"timeout", c.wait, "remaining", b.policy.MaxAttempts-1)
	}
	if err := sleep(req.Context(), c.wait); err != nil {
		return nil, err
	}
	// go-retryablehttp makes the later attempts, each with a fresh body
	// from GetBody (prepareRetry). Without Debug, skip its message
	// building; retryLogger logs with a background context, so ask with
	// one too.
	c.rc.Logger = nil
	if b.log.Enabled(context.Background(), slog.LevelDebug) {
		c.rc.Logger = b.retryLog
	}
	r = *req
	if err := prepareRetry(&r); err != nil {
		return nil, err
	}
	c.rr = retryablehttp.Request{Request: &r}
	resp, err = c.rc.Do(&c.rr)
	c.rr = retryablehttp.Request{}
	return finish(req, resp, err)
}

// sleep waits d, or until ctx is done, which it reports.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newCall builds a pooled call with its go-retryablehttp client.
func (b *Backend) newCall() *call {
	c := &call{b: b}
	c.rc = retryablehttp.Client{
		HTTPClient:   b.inner,
		RetryWaitMin: b.policy.BackoffMin,
		RetryWaitMax: b.policy.BackoffMax,
		RetryMax:     b.policy.MaxAttempts - 1,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		PrepareRetry: prepareRetry,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c
}

// rewindable reports whether req's body can be sent again.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// prepareRetry gives a retry (a shallow copy of the previous attempt's
// request) a fresh body from GetBody.
func prepareRetry(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	body, err := req.GetBody()
	if err != nil {
		return err
	}
	req.Body = body
	return nil
}

// finish adapts the inner client's answer to RoundTrip's contract: a
// response or an error, never both; errors without the inner client's
// *url.Error (the outer client adds its own); the caller's request on the
// response.
func finish(req *http.Request, resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return nil, err
	}
	resp.Request = req
	return resp, nil
}

// call is the retry state of one request.
type call struct {
	b        *Backend
	rc       retryablehttp.Client
	rr       retryablehttp.Request
	attempts int
	wait     time.Duration // decided by checkRetry for backoff
}

// checkRetry is the CheckRetry policy. It decides the wait too, because
// only here are the context and the error known. It never returns an
// error: when it stops, the caller gets the last response or transport
// error as it was.
func (c *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	c.attempts++
	kind := c.b.classify(ctx, resp, err)
	if kind == noRetry || c.attempts >= c.b.policy.MaxAttempts {
		return false, nil
	}
	now := time.Now()
	wait := c.b.wait(kind, c.attempts-1, resp, now)
	if !c.b.fits(ctx, now, wait) {
		c.b.stats.deniedDeadline.Add(1)
		return false, nil
	}
	if kind != retryNow && !c.b.budget.withdraw(now) {
		c.b.stats.deniedBudget.Add(1)
		c.b.log.Debug("retry budget exhausted", "attempts", c.attempts)
		return false, nil
	}
	c.b.stats.retries.Add(1)
	c.wait = wait
	return true, nil
}

// backoff is the Backoff policy: the wait checkRetry decided.
func (c *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return c.wait
}

// classify decides whether an attempt's outcome is worth a retry.
func (b *Backend) classify(ctx context.Context, resp *http.Response, err error) retryKind {
	if ctx.Err() != nil {
		return noRetry
	}
	if err != nil {
		return classifyError(err)
	}
	if b.retryable != nil {
		if retry, ok := b.retryable(resp); ok {
			if retry {
				return retryBackoff
			}
			return noRetry
		}
	}
	return classifyStatus(resp.StatusCode)
}

// wait returns the pause before retry n (from 0): none after a stale
// connection, else the full-jitter backoff, or the response's Retry-After
// when that is longer.
func (b *Backend) wait(kind retryKind, n int, resp *http.Response, now time.Time) time.Duration {
	if kind == retryNow {
		return 0
	}
	d := fullJitter(b.policy.BackoffMin, b.policy.BackoffMax, n, b.randN)
	if ra, ok := parseRetryAfter(resp, now); ok {
		d = max(d, ra)
	}
	return d
}

// fits reports whether waiting wait still leaves time for another attempt
// before ctx's deadline. Without a deadline, waits beyond
// max(BackoffMax, 30s) are refused.
func (b *Backend) fits(ctx context.Context, now time.Time, wait time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok {
		return wait < dl.Sub(now)
	}
	return wait <= max(b.policy.BackoffMax, maxWaitWithoutDeadline)
}
