// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// exchange is one routed request in flight: its route, deadline-bound
// context and what trying the targets has shown so far.
type exchange struct {
	rt       *route
	version  string          // client's version, or ""
	parent   context.Context // the client's request context
	ctx      context.Context // parent bounded by the deadline, with the attempt counter
	budget   budget
	attempts func() int // resilience counter, or nil
	calls    int        // adapter calls made
	backend  string     // target that answered, or the last one tried
	answered *target    // target that answered, or nil
	finished bool
	status   int // http.StatusOK once ok writes the answer
}

// begin starts an exchange for rt. The caller must call the returned cancel
// function and finish.
func (g *Gateway) begin(c echo.Context, rt *route, version string) (*exchange, context.CancelFunc, error) {
	c.Set(keyRoute, rt.name)
	ctx, cancel, b, err := deadline(c, rt)
	if err != nil {
		return nil, nil, err
	}
	if id := c.Get(keyRequestID); id != nil {
		ctx = context.WithValue(ctx, ctxKey{}, id) // the string boxed once
	}
	x := &exchange{rt: rt, version: version, parent: c.Request().Context(), ctx: ctx, budget: b}
	if g.opts.Attempts != nil {
		x.ctx, x.attempts = g.opts.Attempts(ctx)
	}
	return x, cancel, nil
}

// finish reports the backend and attempt count in the response headers and
// the log line. It must run before the response is written: handlers defer
// it for the error path (echo writes errors after the handler returns) and
// call it through ok for success. Later calls do nothing.
func (x *exchange) finish(c echo.Context) {
	if x.finished {
		return
	}
	x.finished = true
	n := x.calls
	if x.attempts != nil {
		n = x.attempts()
	}
	// One backing array for the header values (the keys are canonical).
	vals := make([]string, 3)
	h := c.Response().Header()
	if x.backend != "" {
		vals[0] = x.backend
		h[HeaderBackend] = vals[0:1:1]
		c.Set(keyBackend, x.backend)
	}
	vals[1] = strconv.Itoa(n)
	h[HeaderAttempts] = vals[1:2:2]
	c.Set(keyAttempts, n)
	if x.status == http.StatusOK {
		vals[2] = echo.MIMEApplicationJSON
		h[echo.HeaderContentType] = vals[2:3:3]
	}
}

// ok finishes the exchange and writes a 200 with the JSON body.
func (x *exchange) ok(c echo.Context, body []byte) error {
	x.status = http.StatusOK
	x.finish(c)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
}

// okOutputs is ok with a body written in parts rather than joined, so that
// a large backend answer is not copied: head, outputs as the backend wrote
// them, and the closing brace.
func (x *exchange) okOutputs(c echo.Context, head, outputs []byte) error {
	x.status = http.StatusOK
	x.finish(c)
	w := c.Response()
	// net/http sets Content-Length itself for a body that fits its buffer
	// before the handler returns; a larger one would go out chunked.
	if n := len(head) + len(outputs) + 1; n > smallBody {
		w.Header()[echo.HeaderContentLength] = []string{strconv.Itoa(n)}
	}
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(head); err != nil {
		return err
	}
	if _, err := w.Write(outputs); err != nil {
		return err
	}
	_, err := io.WriteString(w, "}")
	return err
}

// okBinary finishes the exchange and writes a 200 in the binary tensor
// data extension: the JSON, whose length Inference-Header-Content-Length
// gives, then the binary outputs' bytes.
func (x *exchange) okBinary(c echo.Context, head, bin []byte) error {
	x.status = http.StatusOK
	x.finish(c)
	w := c.Response()
	h := w.Header()
	h[echo.HeaderContentType] = []string{echo.MIMEOctetStream}
	h[adapters.HeaderInferenceHeaderLength] = []string{strconv.Itoa(len(head))}
	h[echo.HeaderContentLength] = []string{strconv.Itoa(len(head) + len(bin))}
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(bin)
	return err
}

// smallBody is the size up to which net/http buffers a response and sets
// its Content-Length (its bufferBeforeChunkingSize).
const smallBody = 2048

// okJSON is ok with v marshalled.
func (x *exchange) okJSON(c echo.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	return x.ok(c, b)
}

// each calls fn on the route's targets in order until one succeeds, and
// returns nil or a client-ready error.
func (x *exchange) each(op string, next func(error) bool, fn func(ctx context.Context, t *target) error) error {
	failed, err := x.try(op, next, fn)
	if err != nil || failed == nil {
		return err
	}
	return x.failure(failed)
}

// try calls fn on the route's targets in order until one succeeds. It moves
// on only when next(err) allows it and the deadline has not passed. It
// returns (nil, nil) on success, the targets' errors when all tried failed
// (each an *adapters.Error naming its backend), or a 499/504 error once the
// client left or the deadline passed.
func (x *exchange) try(op string, next func(error) bool, fn func(ctx context.Context, t *target) error) ([]error, error) {
	var failed []error
	for _, t := range x.rt.targets {
		x.backend = t.backend
		x.calls++
		err := fn(x.ctx, t)
		if err == nil {
			x.answered = t
			return nil, nil
		}
		if e := x.expired(err); e != nil {
			return nil, e
		}
		var ae *adapters.Error
		if !errors.As(err, &ae) {
			err = &adapters.Error{Op: op, Backend: t.backend, Model: t.ref(x.version).String(), Err: err}
		}
		failed = append(failed, err)
		if !next(err) {
			break
		}
	}
	return failed, nil
}

// expired returns the 499/504 error when the client left or the deadline
// passed, keeping the target's error for the log; nil otherwise.
func (x *exchange) expired(cause error) error {
	e := expired(x.parent, x.ctx, x.budget, x.rt.name)
	var r *reply
	if e == nil || !errors.As(e, &r) {
		return e
	}
	if cause != nil {
		r.err = fmt.Errorf("%w (last target error: %v)", r.err, cause)
	}
	return r
}

// failure words the errors of the targets tried; the status follows the
// last one.
func (x *exchange) failure(failed []error) error {
	last := failed[len(failed)-1]
	msg := describe(x.rt.name, last)
	if len(failed) > 1 {
		earlier := make([]string, len(failed)-1)
		for i, err := range failed[:len(failed)-1] {
			earlier[i] = targetReason(err)
		}
		msg += "; earlier targets: " + strings.Join(earlier, "; ")
	}
	return &reply{msg: msg, err: last}
}

// canFallBack reports whether another target may succeed where one failed
// with err: it was unavailable (down, breaker open, limit full) or rate
// limited. Invalid input, unknown models and model failures would fail the
// same way elsewhere.
func canFallBack(err error) bool {
	return errors.Is(err, adapters.ErrUnavailable) || errors.Is(err, adapters.ErrRateLimited)
}

// canFallBackMetadata also skips targets whose backend publishes no
// signature.
func canFallBackMetadata(err error) bool {
	return canFallBack(err) || errors.Is(err, errors.ErrUnsupported)
}

// anyFailure lets readiness try every target: a route is ready when any
// target is.
func anyFailure(error) bool { return true }

// infer runs req on the route's targets with fallback.
func (x *exchange) infer(req *adapters.Request) (*adapters.Response, error) {
	var resp *adapters.Response
	err := x.each("infer", canFallBack, func(ctx context.Context, t *target) error {
		if t.typedByMetadata {
			x.learnSignature(t)
		}
		r := *req
		r.Model = t.ref(x.version)
		var err error
		resp, err = t.adapter.Infer(ctx, &r)
		if err == nil && resp == nil {
			err = &adapters.Error{Op: "infer", Backend: t.backend, Model: r.Model.Name,
				Err: fmt.Errorf("%w: adapter returned no response", adapters.ErrBadUpstream)}
		}
		return err
	})
	return resp, err
}

// metadata fetches the model's signature from the first target that
// publishes one, and caches it for the v1 codec.
func (x *exchange) metadata() (*adapters.ModelMetadata, error) {
	var md *adapters.ModelMetadata
	err := x.each("metadata", canFallBackMetadata, func(ctx context.Context, t *target) error {
		ref := t.ref(x.version)
		var err error
		md, err = t.adapter.ModelMetadata(ctx, ref)
		if err == nil && md == nil {
			err = &adapters.Error{Op: "metadata", Backend: t.backend, Model: ref.Name,
				Err: fmt.Errorf("%w: adapter returned no metadata", adapters.ErrBadUpstream)}
		}
		if err == nil {
			t.sigs.store(ref, md)
		}
		return err
	})
	return md, err
}

// ready asks the targets in order whether they can serve, stopping at the
// first that can. It returns (nil, nil) when one can, every target's error
// when none can, or a 499/504 error.
func (x *exchange) ready() ([]error, error) {
	return x.try("ready", anyFailure, func(ctx context.Context, t *target) error {
		return t.adapter.ModelReady(ctx, t.ref(x.version))
	})
}

// notReady words the failures of ready as a 503.
func (x *exchange) notReady(failed []error) error {
	reasons := make([]string, len(failed))
	details := make([]string, len(failed))
	for i, err := range failed {
		reasons[i] = targetReason(err)
		details[i] = err.Error()
	}
	return replyf(fmt.Errorf("%w (%s)", adapters.ErrUnavailable, strings.Join(details, "; ")),
		"model %q is not ready: %s", x.rt.name, strings.Join(reasons, "; "))
}
