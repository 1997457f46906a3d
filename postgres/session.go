package postgres

import (
	"context"

	"tokenmint"
)

// CreateSession stores a session under the hash of its cookie value. The
// user must exist in the session's tenant; otherwise it is ENOTFOUND.
func (db *DB) CreateSession(ctx context.Context, s *tokenmint.Session) error {
	_, err := db.pool.Exec(ctx,
		`INSERT INTO sessions (hash, tenant_id, user_id, csrf_token, created_at, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6)`,
		s.Hash, s.TenantID, s.UserID, s.CSRFToken, s.CreatedAt, s.ExpiresAt)
	if sqlState(err) == codeForeignKeyViolation {
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "user not found")
	}
	return writeErr(err, "session", "create session")
}

// SessionByHash returns the session with the hash, expired or not: judging
// expiry is the caller's rule.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (*tokenmint.Session, error) {
	var s tokenmint.Session
	err := db.pool.QueryRow(ctx,
		`SELECT hash, tenant_id, user_id, csrf_token, created_at, expires_at
		 FROM sessions WHERE hash = $1`, hash).
		Scan(&s.Hash, &s.TenantID, &s.UserID, &s.CSRFToken, &s.CreatedAt, &s.ExpiresAt)
	if err != nil {
		return nil, readErr(err, "session", "read session")
	}
	s.CreatedAt, s.ExpiresAt = utc(s.CreatedAt), utc(s.ExpiresAt)
	return &s, nil
}

// DeleteSession removes the session with the hash, and announces in the
// same transaction what ctx carries (tokenmint.WithAnnouncement), so the
// other instances drop their cached copy when it commits.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
		if err != nil {
			return wrap("delete session", err)
		}
		return checkAffected(tag, "session")
	})
}

// DeleteUserSessions ends every session of a user, announcing what ctx
// carries like DeleteSession.
func (db *DB) DeleteUserSessions(ctx context.Context, tenantID, userID string) error {
	return db.announced(ctx, func(q execer) error {
		_, err := q.Exec(ctx, `DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
		return wrap("delete user sessions", err)
	})
}
