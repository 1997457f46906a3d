package sdk

import "crypto/sha256"

// CachedJWTs counts the JWTs in v's cache, live or not.
func CachedJWTs(v *Verifier) int {
	if v.jwts == nil {
		return 0
	}
	return v.jwts.len()
}

// IsJWTCached reports whether v's cache holds an entry for raw, without
// marking it used.
func IsJWTCached(v *Verifier, raw string) bool {
	if v.jwts == nil {
		return false
	}
	k := jwtKey(sha256.Sum256([]byte(raw)))
	s := v.jwts.shard(&k)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[k] != nil
}
