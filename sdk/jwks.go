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
	fetchedAt time.Time // end of the last successful fetch
	triedAt   time.Time // end of the last fetch, successful or not
	// inflight is closed when the running fetch ends; nil when none runs.
	inflight chan struct{}
}

// key returns the published key with the kid, or nil. One fetch runs at a
// time, outside the lock, and at most one per JWKSRefreshInterval after
// the last one ended, failed ones included. While a fetch runs (or the
// server is down), a request whose key is already held uses it at once;
// only a request for a key not held waits for the running fetch.
func (j *jwksCache) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
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
// keys held stay in use.
func (j *jwksCache) fetch(ctx context.Context, done chan struct{}) {
	var set jose.JSONWebKeySet
	err := j.v.getJSON(ctx, "/.well-known/jwks.json", &set)
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.v.cfg.Now()
	j.triedAt = now
	if err == nil {
		j.keys, j.fetchedAt = map[string]*jose.JSONWebKey{}, now
		for i := range set.Keys {
			k := set.Keys[i]
			if k.Use == "" || k.Use == "sig" {
				j.keys[k.KeyID] = &k
			}
		}
	}
	j.inflight = nil
	close(done)
}

// have returns the key with the kid among those fetched, or 503 when no
// fetch has succeeded yet. The caller holds mu.
func (j *jwksCache) have(kid string) (*jose.JSONWebKey, error) {
	if j.keys == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Description: "cannot fetch the token server's JWKS"}
	}
	return j.keys[kid], nil
}
