// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Repository index readiness: every route is checked at once (at most
// indexParallel at a time), all bounded by indexReadyTimeout, so one slow
// backend cannot stall the listing. A route is READY when any of its targets
// is; a check that times out reports UNAVAILABLE with the reason.
const (
	indexReadyTimeout = 2 * time.Second
	indexParallel     = 16
	stateReady        = "READY"
	stateUnavailable  = "UNAVAILABLE"
)

// index lists every route, sorted by name, with its readiness.
func (g *Gateway) index(ctx context.Context) []indexEntry {
	ctx, cancel := context.WithTimeout(ctx, g.indexTimeout)
	defer cancel()
	order := g.routes().order
	out := make([]indexEntry, len(order))
	sem := make(chan struct{}, indexParallel)
	var wg sync.WaitGroup
	for i, rt := range order {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = routeState(ctx, rt)
		})
	}
	wg.Wait()
	slices.SortFunc(out, func(a, b indexEntry) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// routeState checks rt's targets in order until one is ready.
func routeState(ctx context.Context, rt *route) indexEntry {
	x := &exchange{rt: rt, parent: ctx, ctx: ctx}
	failed, err := x.ready()
	switch {
	case err != nil:
		return indexEntry{Name: rt.name, State: stateUnavailable, Reason: "readiness check timed out"}
	case failed != nil:
		return indexEntry{Name: rt.name, State: stateUnavailable, Reason: x.notReady(failed).Error()}
	}
	return indexEntry{Name: rt.name, State: stateReady}
}
