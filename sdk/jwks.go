package sdk

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// jwksCache holds the server's public keys. They are trusted for
// JWKSMaxAge, so a key the server stopped publishing (retired, or
// withdrawn) is dropped at the latest that long later. An unknown kid
// refetches the set at once (a rotation happened).
type jwksCache struct {
	v *Verifier

	mu        sync.Mutex
	keys      map[string]*jose.JSONWebKey
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last fetch, successful or not
}

// key returns the published key with the kid, or nil. A fetch is tried at
// most once per JWKSRefreshInterval, failed ones included: while the
// server is down, requests use the keys already fetched instead of each
// waiting on a fetch of their own.
func (j *jwksCache) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.v.cfg.Now()
	if k, ok := j.keys[kid]; ok && now.Sub(j.fetchedAt) < j.v.cfg.JWKSMaxAge {
		return k, nil
	}
	if !j.triedAt.IsZero() && now.Sub(j.triedAt) < j.v.cfg.JWKSRefreshInterval {
		return j.have(kid)
	}
	j.triedAt = now
	var set jose.JSONWebKeySet
	if err := j.v.getJSON(ctx, "/.well-known/jwks.json", &set); err != nil {
		// Server unreachable: keep using the keys we have.
		return j.have(kid)
	}
	j.keys, j.fetchedAt = map[string]*jose.JSONWebKey{}, now
	for i := range set.Keys {
		k := set.Keys[i]
		if k.Use == "" || k.Use == "sig" {
			j.keys[k.KeyID] = &k
		}
	}
	return j.keys[kid], nil
}

// have returns the key with the kid among those fetched, or 503 when no
// fetch has succeeded yet.
func (j *jwksCache) have(kid string) (*jose.JSONWebKey, error) {
	if j.keys == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Description: "cannot fetch the token server's JWKS"}
	}
	return j.keys[kid], nil
}
