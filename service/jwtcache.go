package service

import (
	"crypto/sha256"

	"tokenmint"
)

// ChangeAccessToken: a JWT access token (by jti) was revoked.
const ChangeAccessToken = "access_token"

// jwtEntry is a JWT access token whose signature, issuer, type and
// revocation were checked once: verifying it again costs a hash and a map
// lookup instead of an Ed25519 verification and a store read. Its expiry
// is checked on every use; a signing key stays published until every token
// it signed has expired (oauth.KeyRing), so no cached token outlives its key.
type jwtEntry struct {
	claims *tokenmint.AccessClaims
	filled int64
	// perms memoises the permissions for a request that names no project,
	// computed at generation gen from grants read at grantsFilled.
	perms        tokenmint.PermissionSet
	sorted       []tokenmint.Permission
	gen          uint64
	grantsFilled int64
	hasPerms     bool
}

type jwtKey = [sha256.Size]byte

// jwt returns the cached entry of a verified JWT, unless its jti was
// revoked since or the cache's trust rule says it is stale.
func (c *cache) jwt(k *jwtKey) (jwtEntry, bool) {
	c.mu.RLock()
	e, ok := c.jwts[*k]
	revoked := false
	if ok {
		_, revoked = c.revokedJTIs[e.claims.JTI]
	}
	gen := c.gen
	c.mu.RUnlock()
	if !ok || revoked || !c.fresh(e.filled) {
		return jwtEntry{}, false
	}
	if e.gen != gen {
		e.hasPerms = false
	}
	return e, true
}

func (c *cache) putJWT(gen uint64, k *jwtKey, e jwtEntry) {
	if e.filled == 0 {
		e.filled = c.now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if _, revoked := c.revokedJTIs[e.claims.JTI]; revoked {
		return
	}
	if _, refill := c.jwts[*k]; !refill && len(c.jwts) >= c.max {
		n := max(1, len(c.jwts)/8)
		for k := range c.jwts {
			delete(c.jwts, k)
			if n--; n <= 0 {
				break
			}
		}
	}
	e.gen = gen
	c.jwts[*k] = e
}

// revokeJTILocked remembers a revoked jti so a cached JWT carrying it is
// refused at once. Past the bound both maps are emptied: a JWT seen again
// is verified in full, its revocation read from the store.
func (c *cache) revokeJTILocked(jti string) {
	if len(c.revokedJTIs) >= c.max {
		c.revokedJTIs = map[string]struct{}{}
		c.jwts = map[jwtKey]jwtEntry{}
	}
	c.revokedJTIs[jti] = struct{}{}
}
