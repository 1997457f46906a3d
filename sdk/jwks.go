package sdk

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// publicKey is a signing key of the JWKS in the form the verification
// needs. The same *publicKey stays in use across JWKS fetches for as long
// as the server publishes the same key under the same kid, so a cached
// JWT can tell whether the key that signed it is still published by
// comparing pointers and reading gone, without a lock.
type publicKey struct {
	kid string
	alg string // "EdDSA" or "ES256", as the JWKS publishes it
	ed  ed25519.PublicKey
	ec  *ecdsa.PublicKey
	// gone is set when a successful fetch no longer publishes this key
	// (or publishes other material under its kid): the JWTs it signed are
	// then refused, cached or not.
	gone atomic.Bool
}

// newPublicKey converts a JWK, or returns nil for a key the SDK cannot
// verify with (not a signing key, or not Ed25519/P-256).
func newPublicKey(k *jose.JSONWebKey) *publicKey {
	if k.Use != "" && k.Use != "sig" {
		return nil
	}
	p := &publicKey{kid: k.KeyID, alg: k.Algorithm}
	switch pub := k.Key.(type) {
	case ed25519.PublicKey:
		p.ed = pub
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return nil
		}
		p.ec = pub
	default:
		return nil
	}
	return p
}

// same reports whether q is the same key as p.
func (p *publicKey) same(q *publicKey) bool {
	if p.kid != q.kid || p.alg != q.alg {
		return false
	}
	if p.ed != nil {
		return q.ed != nil && bytes.Equal(p.ed, q.ed)
	}
	return q.ec != nil && p.ec.Equal(q.ec)
}

// jwksCache holds the server's public keys. They are trusted for
// JWKSMaxAge, so a key the server stopped publishing (retired, or
// withdrawn) is dropped at the latest that long later. An unknown kid
// refetches the set at once (a rotation happened).
type jwksCache struct {
	v *Verifier

	// fresh is fetchedAt in Unix nanoseconds, readable without mu: a
	// cached JWT is used without a lock while the keys are fresh.
	fresh atomic.Int64

	mu        sync.Mutex
	keys      map[string]*publicKey
	fetchedAt time.Time // end of the last successful fetch
	triedAt   time.Time // end of the last fetch, successful or not
	// inflight is closed when the running fetch ends; nil when none runs.
	inflight chan struct{}
}

// isFresh reports whether the keys were fetched less than JWKSMaxAge
// before now: until then a key held is trusted without asking the server.
func (j *jwksCache) isFresh(now time.Time) bool {
	f := j.fresh.Load()
	return f != 0 && now.UnixNano()-f < int64(j.v.cfg.JWKSMaxAge)
}

// key returns the published key with the kid, or nil. One fetch runs at a
// time, outside the lock, and at most one per JWKSRefreshInterval after
// the last one ended, failed ones included. While a fetch runs (or the
// server is down), a request whose key is already held uses it at once;
// only a request for a key not held waits for the running fetch.
func (j *jwksCache) key(ctx context.Context, kid string) (*publicKey, error) {
	j.mu.Lock()
	now := j.v.cfg.Now()
	k, held := j.keys[kid]
	if held && now.Sub(j.fetchedAt) < j.v.cfg.JWKSMaxAge {
		j.mu.Unlock()
		return k, nil
	}
	wait := j.inflight
	if wait == nil {
		if !j.triedAt.IsZero() && now.Sub(j.triedAt) < j.v.cfg.JWKSRefreshInterval {
			defer j.mu.Unlock()
			return j.have(kid)
		}
		done := make(chan struct{})
		j.inflight = done
		j.mu.Unlock()
		j.fetch(ctx, done)
	} else {
		j.mu.Unlock()
		if held {
			return k, nil // stale but published when last seen: no wait
		}
		select {
		case <-wait:
		case <-ctx.Done():
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.have(kid)
}

// fetch reads the JWKS and ends the fetch done stands for. On failure the
// keys held stay in use. On success a key published as before keeps its
// *publicKey, and every key no longer published is marked gone, which
// drops the cached JWTs it signed at once.
func (j *jwksCache) fetch(ctx context.Context, done chan struct{}) {
	var set jose.JSONWebKeySet
	err := j.v.getJSON(ctx, "/.well-known/jwks.json", &set)
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.v.cfg.Now()
	j.triedAt = now
	if err == nil {
		keys := make(map[string]*publicKey, len(set.Keys))
		for i := range set.Keys {
			k := newPublicKey(&set.Keys[i])
			if k == nil {
				continue
			}
			if old := j.keys[k.kid]; old != nil && old.same(k) {
				k = old
			}
			keys[k.kid] = k
		}
		for kid, old := range j.keys {
			if keys[kid] != old {
				old.gone.Store(true)
			}
		}
		j.keys, j.fetchedAt = keys, now
		j.fresh.Store(now.UnixNano())
	}
	j.inflight = nil
	close(done)
}

// have returns the key with the kid among those fetched, or 503 when no
// fetch has succeeded yet. The caller holds mu.
func (j *jwksCache) have(kid string) (*publicKey, error) {
	if j.keys == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Description: "cannot fetch the token server's JWKS"}
	}
	return j.keys[kid], nil
}
