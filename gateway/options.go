// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Option defaults, stated in the Options field comments.
const (
	defaultMaxBodyBytes      = 16 << 20
	defaultVersion           = "dev"
	defaultReadHeaderTimeout = 10 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	defaultShutdownTimeout   = 30 * time.Second
)

// validate reports every problem in o, each with its field path.
func (o *Options) validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if o.MaxBodyBytes < 0 {
		bad("max_body_bytes", "must not be negative (got %d)", o.MaxBodyBytes)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read_header_timeout", o.ReadHeaderTimeout}, {"idle_timeout", o.IdleTimeout},
		{"shutdown_timeout", o.ShutdownTimeout}, {"drain_delay", o.DrainDelay},
	} {
		if d.v < 0 {
			bad(d.name, "must not be negative (got %s)", d.v)
		}
	}
	errs = append(errs, validateRoutes(o.Routes)...)
	return errors.Join(errs...)
}

// validate reports the problems of one route.
func (r *Route) validate(path string) []error {
	var errs []error
	switch {
	case r.Name == "":
		errs = append(errs, fmt.Errorf("%s.name: must not be empty", path))
	case strings.ContainsAny(r.Name, "/:"):
		errs = append(errs, fmt.Errorf("%s.name: %q must not contain '/' or ':'", path, r.Name))
	}
	if r.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s.timeout: must not be negative (got %s)", path, r.Timeout))
	}
	if len(r.Targets) == 0 {
		errs = append(errs, fmt.Errorf("%s.targets: need at least one target", path))
	}
	for j, t := range r.Targets {
		tp := fmt.Sprintf("%s.targets[%d]", path, j)
		if t.Backend == "" {
			errs = append(errs, fmt.Errorf("%s.backend: must not be empty", tp))
		}
		if t.Adapter == nil {
			errs = append(errs, fmt.Errorf("%s.adapter: must not be nil", tp))
		}
	}
	return errs
}

// setDefaults fills zero fields with their documented defaults.
func (o *Options) setDefaults() {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = defaultMaxBodyBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Version == "" {
		o.Version = defaultVersion
	}
	if o.ReadHeaderTimeout == 0 {
		o.ReadHeaderTimeout = defaultReadHeaderTimeout
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = defaultIdleTimeout
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = defaultShutdownTimeout
	}
}
