// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Name and identifier shapes (constant tables).
var (
	backendNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	routeNameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	identRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	routePathRE   = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)
)

// maxNameLen bounds backend and model names.
const maxNameLen = 128

// problems collects FieldErrors.
type problems []error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, &FieldError{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// Validate checks the whole configuration and reports every problem, each a
// *FieldError prefixed by its key path ("backends[1].url: must be an
// absolute http(s) URL"), joined with errors.Join. It never includes a
// secret in a message. It returns nil when the configuration is usable.
func (c *Config) Validate() error {
	var p problems
	c.Server.validate(&p)
	if len(c.Backends) == 0 {
		p.add("backends", "at least one backend is required")
	}
	seen := map[string]int{}
	for i := range c.Backends {
		b := &c.Backends[i]
		path := fmt.Sprintf("backends[%d]", i)
		b.validate(&p, path)
		if j, dup := seen[b.Name]; dup && b.Name != "" {
			p.add(path+".name", "duplicate name %q (also backends[%d])", b.Name, j)
		} else {
			seen[b.Name] = i
		}
	}
	c.validateModels(&p)
	return errors.Join(p...)
}

func (s *Server) validate(p *problems) {
	checkListen(p, "server.listen", s.Listen)
	if s.MaxBodyBytes <= 0 {
		p.add("server.max_body_bytes", "must be positive")
	}
	positive(p, "server.read_header_timeout", s.ReadHeaderTimeout)
	positive(p, "server.idle_timeout", s.IdleTimeout)
	positive(p, "server.shutdown_timeout", s.ShutdownTimeout)
	nonNegative(p, "server.drain_delay", s.DrainDelay)
	positive(p, "server.default_timeout", s.DefaultTimeout)
}

func checkListen(p *problems, path, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.add(path, "must be host:port, e.g. \"127.0.0.1:8080\" (got %q)", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > math.MaxUint16 {
		p.add(path, "port must be a number in 0..65535 (got %q)", port)
	}
	if strings.ContainsAny(host, " /") {
		p.add(path, "invalid host %q", host)
	}
}

func (b *Backend) validate(p *problems, path string) {
	checkName(p, path+".name", b.Name, backendNameRE, "lower-case letters, digits, '-', '_' and '.'")
	if !slices.Contains(Kinds(), b.Kind) {
		p.add(path+".kind", "must be one of %s (got %q)", kindList(), b.Kind)
	}
	checkURL(p, path+".url", b.URL, true)
	positive(p, path+".timeout", b.Timeout)
	if b.MaxResponseBytes <= 0 {
		p.add(path+".max_response_bytes", "must be positive")
	}
	if b.MaxConcurrency < 0 {
		p.add(path+".max_concurrency", "must be 0 (unlimited) or positive")
	}
	b.Retry.validate(p, path+".retry")
	b.Breaker.validate(p, path+".breaker")
	b.Pool.validate(p, path+".pool")
	if b.TorchServe != nil {
		if b.Kind != KindTorchServe {
			p.add(path+".torchserve", "set but kind is %s", kindName(b.Kind))
		}
		checkURL(p, path+".torchserve.management_url", b.TorchServe.ManagementURL, false)
		if strings.ContainsAny(string(b.TorchServe.Token), " \t\r\n") {
			p.add(path+".torchserve.token", "must not contain whitespace")
		}
		if strings.ContainsAny(string(b.TorchServe.ManagementToken), " \t\r\n") {
			p.add(path+".torchserve.management_token", "must not contain whitespace")
		}
	}
}

func (r *Retry) validate(p *problems, path string) {
	if r.MaxAttempts < 1 || r.MaxAttempts > 10 {
		p.add(path+".max_attempts", "must be in 1..10, counting the first attempt (got %d)", r.MaxAttempts)
	}
	positive(p, path+".backoff_min", r.BackoffMin)
	if r.BackoffMax < r.BackoffMin {
		p.add(path+".backoff_max", "must not be less than backoff_min (%v < %v)", r.BackoffMax, r.BackoffMin)
	}
	if math.IsNaN(r.BudgetRatio) || r.BudgetRatio < 0 || r.BudgetRatio > 1 {
		p.add(path+".budget_ratio", "must be in [0, 1] (got %v)", r.BudgetRatio)
	}
	if r.BudgetFloor < 0 {
		p.add(path+".budget_floor", "must not be negative")
	}
}

func (b *Breaker) validate(p *problems, path string) {
	count32(p, path+".consecutive_failures", b.ConsecutiveFailures)
	positive(p, path+".open_for", b.OpenFor)
	count32(p, path+".half_open_probes", b.HalfOpenProbes)
}

// count32 requires n in 1..MaxUint32 (the breaker counts in uint32).
func count32(p *problems, path string, n int) {
	switch {
	case n < 1:
		p.add(path, "must be at least 1 (got %d)", n)
	case n > math.MaxUint32:
		p.add(path, "must be at most %d (got %d)", uint32(math.MaxUint32), n)
	}
}

func (pl *Pool) validate(p *problems, path string) {
	if pl.MaxIdleConns < 1 {
		p.add(path+".max_idle_conns", "must be at least 1 (got %d)", pl.MaxIdleConns)
	}
	positive(p, path+".idle_timeout", pl.IdleTimeout)
	positive(p, path+".dial_timeout", pl.DialTimeout)
}

func checkName(p *problems, path, name string, re *regexp.Regexp, allowed string) {
	switch {
	case name == "":
		p.add(path, "required")
	case len(name) > maxNameLen:
		p.add(path, "longer than %d characters", maxNameLen)
	case !re.MatchString(name):
		p.add(path, "%q: use %s, starting with a letter or digit", name, allowed)
	}
}

// checkURL requires an absolute http(s) URL without query or fragment; an
// empty URL is fine unless required. Userinfo is redacted in messages.
func checkURL(p *problems, path, raw string, required bool) {
	if raw == "" {
		if required {
			p.add(path, "required")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		p.add(path, "must be an absolute http(s) URL: cannot parse it")
		return
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(path, "must be an absolute http(s) URL (got %q)", u.Redacted())
		return
	}
	if u.RawQuery != "" || u.Fragment != "" {
		p.add(path, "must not have a query or fragment (got %q)", u.Redacted())
	}
}

func positive(p *problems, path string, d time.Duration) {
	if d <= 0 {
		p.add(path, "must be a positive duration (got %v)", d)
	}
}

func nonNegative(p *problems, path string, d time.Duration) {
	if d < 0 {
		p.add(path, "must not be negative (got %v)", d)
	}
}

func kindList() string {
	names := make([]string, 0, len(Kinds()))
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

func kindName(k Kind) string {
	if k == "" {
		return `""`
	}
	return string(k)
}
