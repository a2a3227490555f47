// SPDX-License-Identifier: Apache-2.0

package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/modelgate/modelgate/adapters"
	"github.com/modelgate/modelgate/adapters/v1json"
)

// Bounds of the per-target signature cache.
const (
	// maxCachedSignatures bounds entries per target, since clients choose
	// the versions they ask for.
	maxCachedSignatures = 32
	// signatureFetchTimeout bounds the one metadata call a v1 predict may
	// make to learn the signature; a slower backend gets an unsigned decode.
	signatureFetchTimeout = 2 * time.Second
	// v1SignatureName is the only TF signature the uniform metadata
	// describes.
	v1SignatureName = "serving_default"
	// signatureRetryAfter is how long a failed metadata call is remembered,
	// so a backend without a metadata endpoint (or one that is down) costs
	// one metadata call per interval, not one per predict.
	signatureRetryAfter = 10 * time.Second
)

// sigCache remembers each model version's metadata, or that the backend
// publishes none (a nil entry). It is safe for concurrent use.
type sigCache struct {
	mu     sync.Mutex
	m      map[adapters.ModelRef]*adapters.ModelMetadata
	failed map[adapters.ModelRef]time.Time // last failed fetch
	// learning joins the concurrent first requests of a version into one
	// metadata call (see learnSignature); keyed by version.
	learning singleflight.Group
}

// load returns the cached metadata for ref and whether there is an entry.
// A fetch that failed less than signatureRetryAfter ago counts as an entry
// without metadata.
func (s *sigCache) load(ref adapters.ModelRef) (*adapters.ModelMetadata, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if md, ok := s.m[ref]; ok {
		return md, true
	}
	if at, ok := s.failed[ref]; ok && time.Since(at) < signatureRetryAfter {
		return nil, true
	}
	return nil, false
}

// storeFailure remembers that fetching ref's metadata failed just now.
func (s *sigCache) storeFailure(ref adapters.ModelRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = make(map[adapters.ModelRef]time.Time)
	}
	if _, ok := s.failed[ref]; ok || len(s.failed) < maxCachedSignatures {
		s.failed[ref] = time.Now()
	}
}

// store caches md (nil: none published) unless the cache is full.
func (s *sigCache) store(ref adapters.ModelRef, md *adapters.ModelMetadata) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[adapters.ModelRef]*adapters.ModelMetadata)
	}
	if _, ok := s.m[ref]; ok || len(s.m) < maxCachedSignatures {
		s.m[ref] = md
	}
}

// signatureFor is the v1json.SignatureFunc of a predict request: the route
// exposes one signature, serving_default (as its TF metadata says), so a
// body naming another gets TF's 400. The target's own configured signature
// is what the backend runs.
func (x *exchange) signatureFor(name string) (*v1json.Signature, error) {
	if name != "" && name != v1SignatureName {
		return nil, fmt.Errorf("%w: Serving signature name: %q not found in signature def", adapters.ErrInvalidInput, name)
	}
	return x.signature(), nil
}

// signature returns the signature the v1 codec decodes against: cached
// metadata of the first target that has some, else one metadata call per
// target (skipping unavailable ones and those that publish none), bounded by
// signatureFetchTimeout and not counted as an inference attempt. It returns
// nil when no signature is known; the codec then infers dtypes.
func (x *exchange) signature() *v1json.Signature {
	unknown := make([]*target, 0, len(x.rt.targets))
	for _, t := range x.rt.targets {
		md, ok := t.sigs.load(t.ref(x.version))
		switch {
		case ok && md != nil:
			return toSignature(md)
		case !ok:
			unknown = append(unknown, t)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(x.parent, x.signatureWait())
	defer cancel()
	return fetchSignature(ctx, unknown, x.version)
}

// signatureWait is how long a request waits for a metadata call:
// signatureFetchTimeout, or less if its deadline is nearer.
func (x *exchange) signatureWait() time.Duration {
	limit := signatureFetchTimeout
	if dl, ok := x.ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = time.Until(dl)
	}
	return limit
}

// learnSignature makes sure that a target typed by metadata
// (Target.TypedByMetadata) has been asked for the requested version's
// metadata before it runs an inference: until then its adapter neither
// checks inputs against the signature nor gives outputs their datatypes.
// The first requests of a version share one metadata call, not counted as
// an inference attempt, and each waits for it no longer than
// signatureWait; the call itself is bounded by signatureFetchTimeout and
// outlives a client that leaves. A failure is remembered for
// signatureRetryAfter, as for v1 signatures, and the request goes on
// without the signature.
func (x *exchange) learnSignature(t *target) {
	ref := t.ref(x.version)
	if _, ok := t.sigs.load(ref); ok {
		return
	}
	ctx, cancel := context.WithTimeout(x.parent, x.signatureWait())
	defer cancel()
	done := t.sigs.learning.DoChan(ref.Version, func() (any, error) {
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(x.parent), signatureFetchTimeout)
		defer fcancel()
		fetchSignature(fctx, []*target{t}, x.version)
		return nil, nil
	})
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// fetchSignature asks targets in order for metadata.
func fetchSignature(ctx context.Context, targets []*target, version string) *v1json.Signature {
	for _, t := range targets {
		ref := t.ref(version)
		md, err := t.adapter.ModelMetadata(ctx, ref)
		switch {
		case err == nil && md != nil:
			t.sigs.store(ref, md)
			return toSignature(md)
		case errors.Is(err, errors.ErrUnsupported):
			t.sigs.store(ref, nil)
		case ctx.Err() != nil:
			return nil
		case canFallBack(err):
			t.sigs.storeFailure(ref)
		default:
			t.sigs.storeFailure(ref)
			return nil
		}
	}
	return nil
}

// toSignature presents OIP metadata as the TF signature the v1 codec wants.
func toSignature(md *adapters.ModelMetadata) *v1json.Signature {
	return &v1json.Signature{Name: v1SignatureName, Inputs: md.Inputs, Outputs: md.Outputs}
}
