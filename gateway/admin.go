// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/modelgate/modelgate/adapters"
)

// AdminSource supplies what the admin endpoints report beyond the routes
// the gateway holds: backend state and the loaded configuration. Both
// methods must be safe for concurrent use, return promptly (no I/O) and
// return values that encoding/json can marshal. Per-target details of the
// route explanation come from Target.Describe.
type AdminSource interface {
	// Backends describes every backend: name, kind, URL (without
	// credentials), breaker states, in-flight calls and counters.
	Backends() any
	// Config describes the loaded configuration: its version, path and
	// load time. It must not contain secrets.
	Config() any
}

// routeExplanation is GET /admin/routes/{model}.
type routeExplanation struct {
	Name           string              `json:"name"`
	Timeout        string              `json:"timeout"`
	TimeoutSeconds float64             `json:"timeout_seconds"`
	FallbackOn     string              `json:"fallback_on"`
	Targets        []targetExplanation `json:"targets"`
}

// targetExplanation is one target of a routeExplanation, in the order
// the targets are tried.
type targetExplanation struct {
	Backend string `json:"backend"`
	Model   string `json:"model"`
	Version string `json:"version"`
	Details any    `json:"details,omitempty"`
}

// fallbackRule words canFallBack for the route explanation.
const fallbackRule = "the next target is tried when one is unavailable (down, breaker open, " +
	"concurrency limit full) or rate limited, while the deadline allows"

// registerAdmin adds the JSON admin endpoints when Options.Admin is set.
func (g *Gateway) registerAdmin(e *echo.Echo) {
	a := g.opts.Admin
	if a == nil {
		return
	}
	e.GET("/admin/backends", func(c echo.Context) error { return writeJSON(c, http.StatusOK, a.Backends()) })
	e.GET("/admin/config", func(c echo.Context) error { return writeJSON(c, http.StatusOK, a.Config()) })
	e.GET("/admin/routes/:model", g.explainRoute)
}

// explainRoute answers GET /admin/routes/{model}: how the gateway serves
// the model now.
func (g *Gateway) explainRoute(c echo.Context) error {
	name, err := url.PathUnescape(c.Param("model"))
	if err != nil {
		return replyf(adapters.ErrInvalidInput, "malformed model name %q in path: %v", c.Param("model"), err)
	}
	rt, err := g.lookup(name)
	if err != nil {
		return err
	}
	out := routeExplanation{Name: rt.name, Timeout: "none", FallbackOn: fallbackRule,
		Targets: make([]targetExplanation, 0, len(rt.targets))}
	if rt.timeout > 0 {
		out.Timeout, out.TimeoutSeconds = rt.timeout.String(), rt.timeout.Seconds()
	}
	for _, t := range rt.targets {
		x := targetExplanation{Backend: t.backend, Model: t.model.Name, Version: t.model.Version}
		if t.describe != nil {
			x.Details = t.describe()
		}
		out.Targets = append(out.Targets, x)
	}
	return writeJSON(c, http.StatusOK, out)
}
