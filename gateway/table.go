// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/adapters"
)

// routeTable is one immutable set of routes. The gateway holds the current
// table in an atomic pointer: SetRoutes swaps in a new one, and each request
// resolves its route exactly once (lookup), so a request in flight keeps
// the route, targets and adapters it started with.
type routeTable struct {
	byName map[string]*route
	order  []*route // as configured
}

// validateRoutes reports every problem of routes, each with its path.
func validateRoutes(routes []Route) []error {
	var errs []error
	seen := make(map[string]int, len(routes))
	for i, r := range routes {
		path := fmt.Sprintf("routes[%d]", i)
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			errs = append(errs, fmt.Errorf("%s.name: duplicate route name %q (also routes[%d])", path, r.Name, j))
		}
		seen[r.Name] = i
		errs = append(errs, r.validate(path)...)
	}
	return errs
}

// newRouteTable builds the table of validated routes. A target's empty
// model name becomes the route name.
func newRouteTable(routes []Route) *routeTable {
	t := &routeTable{byName: make(map[string]*route, len(routes)), order: make([]*route, 0, len(routes))}
	for _, r := range routes {
		rt := &route{name: r.Name, timeout: r.Timeout, scan: true}
		for _, tg := range r.Targets {
			rt.scan = rt.scan && tg.SendsSource
			m := tg.Model
			if m.Name == "" {
				m.Name = r.Name
			}
			rt.targets = append(rt.targets, &target{backend: tg.Backend, model: m, adapter: tg.Adapter,
				describe: tg.Describe, typedByMetadata: tg.TypedByMetadata})
		}
		t.byName[r.Name] = rt
		t.order = append(t.order, rt)
	}
	return t
}

// SetRoutes validates routes and, if they are valid, replaces every route
// at once. Requests already in flight finish on the routes they started
// with; later ones see only the new set. Metadata caches start empty. On
// error the current routes stay. It is safe for concurrent use.
func (g *Gateway) SetRoutes(routes []Route) error {
	if errs := validateRoutes(routes); len(errs) > 0 {
		return fmt.Errorf("gateway: invalid routes: %w", errors.Join(errs...))
	}
	g.table.Store(newRouteTable(routes))
	return nil
}

// routes returns the current route table. Call it once per request.
func (g *Gateway) routes() *routeTable { return g.table.Load() }

// lookup finds the route named name (404 if none) in the current table.
func (g *Gateway) lookup(name string) (*route, error) {
	if rt, ok := g.routes().byName[name]; ok {
		return rt, nil
	}
	return nil, replyf(adapters.ErrModelNotFound, "model %q is not served by this gateway", name)
}
