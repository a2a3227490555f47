// SPDX-License-Identifier: Apache-2.0

package adapters

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The error kinds: a closed set of sentinels that adapters wrap and the
// gateway maps to HTTP statuses with errors.Is. Unsupported operations use
// errors.ErrUnsupported; cancellation and deadlines use the context errors.
var (
	// ErrInvalidInput: the request is malformed or does not fit the model's
	// signature. The client's fault; never retried.
	ErrInvalidInput = errors.New("invalid input")
	// ErrModelNotFound: the backend does not serve this model or version.
	ErrModelNotFound = errors.New("model not found")
	// ErrUnavailable: the backend cannot serve now (connection refused,
	// breaker open, concurrency limit full, upstream 503, model loading).
	// Another target or a later attempt may succeed.
	ErrUnavailable = errors.New("unavailable")
	// ErrRateLimited: the backend asked us to slow down (upstream 429).
	ErrRateLimited = errors.New("rate limited")
	// ErrModelFailed: the model itself raised an error on a well-formed
	// request (MLflow's 400 for a crashing predict, TorchServe's 503
	// "Prediction failed"). Not the client's fault; retrying will not help.
	ErrModelFailed = errors.New("model failed")
	// ErrBadUpstream: the backend answered something unusable: malformed,
	// oversized or unexpected, or a 500/502/504.
	ErrBadUpstream = errors.New("bad upstream response")
)

// Error is a failed adapter operation with its context, in the manner of
// os.PathError. Err wraps a kind sentinel, a cause, or both.
type Error struct {
	// Op is the operation: "infer", "ready", "metadata".
	Op string
	// Backend is the backend's configured name (or kind, if unnamed).
	Backend string
	// Model is the model the operation concerned.
	Model string
	// Status is the upstream HTTP status, or 0 if none was received.
	Status int
	// RetryAfter is the upstream's Retry-After, or 0.
	RetryAfter time.Duration
	// Message is the upstream's own error message, extracted from its error
	// body and bounded in length; never the raw body. May be empty.
	Message string
	// Err is the kind and/or cause.
	Err error
}

// Error renders e as `backend: op "model": upstream 503: message: cause`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Backend)
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.Model != "" {
		fmt.Fprintf(&b, " %q", e.Model)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": upstream %d", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind and/or cause.
func (e *Error) Unwrap() error { return e.Err }

// MaxMessageLen bounds Error.Message.
const MaxMessageLen = 512

// TrimMessage bounds an upstream message to MaxMessageLen bytes, cutting at a
// rune boundary, and strips surrounding space.
func TrimMessage(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= MaxMessageLen {
		return s
	}
	cut := MaxMessageLen
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
