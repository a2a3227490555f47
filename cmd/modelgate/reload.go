// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/modelgate/modelgate/config"
)

// watchReloads reloads the configuration on every signal from hup (SIGHUP)
// until ctx is done.
func (p *pipeline) watchReloads(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = p.reload() // logged, and shown by /admin/config
		}
	}
}

// reload loads and validates the configuration file again. If it is good,
// the new routes replace the old ones at once (requests in flight finish on
// the old ones), backends whose settings are unchanged are kept with their
// breakers and pools, and the others are built anew or closed. If anything
// is wrong, every problem is logged and the running configuration stays.
func (p *pipeline) reload() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := time.Now()
	cfg, err := p.load()
	if err == nil {
		err = p.swap(cfg)
	}
	if err != nil {
		p.rejected(at, err)
		return err
	}
	p.metrics.Reloaded(true, p.state.Load().loadedAt)
	return nil
}

// swap builds cfg's backends and routes and makes them current.
func (p *pipeline) swap(cfg *config.Config) error {
	old := p.state.Load()
	backends, created, err := buildBackends(cfg, old.backends, p.log)
	if err != nil {
		return err
	}
	routes, err := buildRoutes(cfg, backends)
	if err == nil {
		err = p.gw.SetRoutes(routes)
	}
	if err != nil {
		closeAll(created)
		return err
	}
	p.gw.SetShutdownTimeouts(cfg.Server.ShutdownTimeout, cfg.Server.DrainDelay)
	next := newSnapshot(cfg, backends)
	p.state.Store(next)
	p.failure.Store(nil)
	var removed []*backend
	for name, b := range old.backends {
		if backends[name] != b {
			removed = append(removed, b)
		}
	}
	closeAll(removed) // idle connections only: requests in flight finish
	p.log.Info("config reloaded", "path", p.path, "version", next.version, "previous_version", old.version,
		"models", len(cfg.Models), "backends", len(cfg.Backends), "backends_kept", len(cfg.Backends)-len(created),
		"backends_new", len(created), "backends_closed", len(removed))
	p.logNeedsRestart(cfg.Server)
	return nil
}

// rejected logs every problem of a failed reload and records it.
func (p *pipeline) rejected(at time.Time, err error) {
	lines := strings.Split(err.Error(), "\n")
	for _, line := range lines {
		p.log.Error("config reload failed", "path", p.path, "problem", line)
	}
	p.log.Warn("config reload rejected: keeping the running configuration",
		"path", p.path, "version", p.state.Load().version, "problems", len(lines))
	p.failure.Store(&reloadLog{At: at, Problems: lines})
	p.metrics.Reloaded(false, at)
}

// logNeedsRestart warns about server settings of a reloaded file that
// differ from those the server started with and that a reload cannot apply
// to the running listener. The others take effect: server.default_timeout
// through the routes, shutdown_timeout and drain_delay at the next
// shutdown.
func (p *pipeline) logNeedsRestart(loaded config.Server) {
	running := p.started
	for _, c := range []struct {
		key              string
		running, changed any
	}{
		{"server.listen", running.Listen, loaded.Listen},
		{"server.max_body_bytes", running.MaxBodyBytes.String(), loaded.MaxBodyBytes.String()},
		{"server.read_header_timeout", running.ReadHeaderTimeout.String(), loaded.ReadHeaderTimeout.String()},
		{"server.idle_timeout", running.IdleTimeout.String(), loaded.IdleTimeout.String()},
	} {
		if c.running != c.changed {
			p.log.Warn("needs restart: changed setting not applied by reload", "key", c.key,
				"running", c.running, "configured", c.changed)
		}
	}
}
