package service

import (
	"context"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// ChangeSessions: sessions of a user ended (logout, disabled, password
// changed, roles taken by single sign-on): Change.TenantID and Change.ID
// name the user, whose cached sessions every instance drops.
const ChangeSessions = "sessions"

// sessionMaxAge bounds how long a cached session is trusted, whatever the
// cache's trust: sessions are also ended by writers that announce nothing
// to this process (the operator's `tokenmint user set-password` on the
// SQLite file), and such an end must still be refused within a second.
// A busy session then costs one read a second instead of one a request.
const sessionMaxAge = time.Second

// sessionKey is the keyed hash of a session cookie, as the store files it.
type sessionKey [secret.HashSize]byte

// sessionByHash returns the session with the hash, expired or not (judging
// expiry is the caller's rule), through the cache. A session that ends is
// dropped at once on this instance and, announced with its end
// (ChangeSessions), on the others.
func (s *Service) sessionByHash(ctx context.Context, hash sessionKey) (*tokenmint.Session, error) {
	if sess, filled, ok := lookup(s.cache, &s.cache.sessions, hash); ok {
		if age := s.cache.now() - filled; age >= 0 && age < int64(sessionMaxAge) {
			return sess, nil
		}
	}
	gen := s.cache.generation()
	sess, err := s.store.SessionByHash(ctx, hash[:])
	if err != nil {
		return nil, err
	}
	store(s.cache, gen, &s.cache.sessions, hash, sess)
	return sess, nil
}

// endUserSessions ends every session of a user, here and, announced in the
// same write, on every instance.
func (s *Service) endUserSessions(ctx context.Context, tenantID, userID string) error {
	change := Change{Kind: ChangeSessions, TenantID: tenantID, ID: userID}
	err := s.store.DeleteUserSessions(s.announcing(ctx, change), tenantID, userID)
	s.changed(ctx, change) // dropping is harmless should the write have failed
	return err
}

// dropSessionsOfLocked forgets the cached sessions of a user.
func (c *cache) dropSessionsOfLocked(tenantID, userID string) {
	for k, e := range c.sessions {
		if e.v.UserID == userID && e.v.TenantID == tenantID {
			delete(c.sessions, k)
		}
	}
}
