// SPDX-License-Identifier: Apache-2.0

package tfserving

import "sync"

// maxServables bounds the per-servable state an adapter keeps. An adapter
// serves one model; only requests that pick explicit versions add entries,
// and past this many the new ones are simply not remembered.
const maxServables = 64

// servable is what the adapter has learned about one servable.
type servable struct {
	// sig is the configured signature from the last successful metadata
	// call; nil until one succeeds. Failures are never cached. A
	// published signature is never modified.
	sig *signature
	// seen records that TF Serving knows the servable: its status was
	// listed (in any state: LOADING proves it exists as much as
	// AVAILABLE), its metadata was fetched, or a predict succeeded. A
	// later predict 404 then means "not loaded (yet, or again)", not
	// "unknown" (see classify).
	seen bool
}

// servables is the adapter's per-servable state, safe for concurrent use.
// Entries are immutable once published, apart from seen.
type servables struct {
	mu sync.Mutex
	m  map[string]*servable
}

// get returns a copy of the state for key (the zero value if none).
func (s *servables) get(key string) servable {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[key]; e != nil {
		return *e
	}
	return servable{}
}

// update applies f to the entry for key, creating it if there is room.
func (s *servables) update(key string, f func(*servable)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil {
		if len(s.m) >= maxServables {
			return
		}
		if s.m == nil {
			s.m = make(map[string]*servable)
		}
		e = &servable{}
		s.m[key] = e
	}
	f(e)
}

// markSeen records that the servable for key exists.
func (s *servables) markSeen(key string) {
	s.update(key, func(e *servable) { e.seen = true })
}

// storeSignature caches the signature for key; it also marks the servable
// seen.
func (s *servables) storeSignature(key string, sig *signature) {
	s.update(key, func(e *servable) {
		e.sig, e.seen = sig, true
	})
}
