// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// budget is a routed request's time limit and where it came from.
type budget struct {
	limit  time.Duration // 0: none
	source string        // "route timeout" or HeaderRequestTimeout
}

// parseClientTimeout reads an X-Request-Timeout value: decimal seconds
// ("2.5") or a Go duration ("250ms"). Empty means none.
func parseClientTimeout(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || math.IsNaN(secs) || secs > float64(math.MaxInt64/int64(time.Second)) {
			return 0, replyf(adapters.ErrInvalidInput,
				"invalid %s %q: want seconds (\"2.5\") or a Go duration (\"250ms\")", HeaderRequestTimeout, v)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 {
		return 0, replyf(adapters.ErrInvalidInput, "invalid %s %q: must be positive", HeaderRequestTimeout, v)
	}
	return d, nil
}

// deadline derives the request context for rt: bounded by the smaller of the
// route timeout and the client's X-Request-Timeout.
func deadline(c echo.Context, rt *route) (context.Context, context.CancelFunc, budget, error) {
	client, err := parseClientTimeout(c.Request().Header.Get(HeaderRequestTimeout))
	if err != nil {
		return nil, nil, budget{}, err
	}
	b := budget{limit: rt.timeout, source: "route timeout"}
	if client > 0 && (b.limit == 0 || client < b.limit) {
		b = budget{limit: client, source: HeaderRequestTimeout}
	}
	parent := c.Request().Context()
	if b.limit == 0 {
		ctx, cancel := context.WithCancel(parent)
		return ctx, cancel, b, nil
	}
	ctx, cancel := context.WithTimeout(parent, b.limit)
	return ctx, cancel, b, nil
}

// expired explains a failure that happened because the client left (499) or
// the deadline passed (504); it returns nil while ctx is still live.
func expired(parent, ctx context.Context, b budget, routeName string) error {
	if parent.Err() != nil {
		return replyf(context.Canceled, "model %q: the client closed the request", routeName)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return replyf(context.DeadlineExceeded, "model %q: deadline exceeded after %s (%s)",
			routeName, b.limit, b.source)
	}
	return nil
}
