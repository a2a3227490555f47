// SPDX-License-Identifier: Apache-2.0

package resilience

import "log/slog"

// retryLogger adapts a *slog.Logger to go-retryablehttp's LeveledLogger and
// logs everything at Debug: the library reports every failed attempt as an
// error, but a failed attempt is routine; what matters (breaker state,
// exhausted budgets, the final outcome) is logged by this package and by
// the gateway.
type retryLogger struct{ l *slog.Logger }

func (r retryLogger) Error(msg string, kv ...any) { r.l.Debug(msg, kv...) }
func (r retryLogger) Warn(msg string, kv ...any)  { r.l.Debug(msg, kv...) }
func (r retryLogger) Info(msg string, kv ...any)  { r.l.Debug(msg, kv...) }
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug(msg, kv...) }
