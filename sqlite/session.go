package sqlite

import (
	"context"

	"tokenmint"
)

// CreateSession stores a session under the hash of its cookie value.
func (db *DB) CreateSession(ctx context.Context, s *tokenmint.Session) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO sessions (hash, tenant_id, user_id, csrf_token, created_at, expires_at)
		 VALUES (?, ?, ?, ?, ?, ?)`,
		s.Hash, s.TenantID, s.UserID, s.CSRFToken, toMicro(s.CreatedAt), toMicro(s.ExpiresAt))
	if isForeignKey(err) {
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "user not found")
	}
	return writeErr(err, "session", "create session")
}

// SessionByHash returns the session with the hash, expired or not: judging
// expiry is the caller's rule.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (*tokenmint.Session, error) {
	s := tokenmint.Session{}
	var created, expires int64
	err := db.read.QueryRowContext(ctx,
		`SELECT hash, tenant_id, user_id, csrf_token, created_at, expires_at
		 FROM sessions WHERE hash = ?`, hash).
		Scan(&s.Hash, &s.TenantID, &s.UserID, &s.CSRFToken, &created, &expires)
	if err != nil {
		return nil, readErr(err, "session", "read session")
	}
	s.CreatedAt, s.ExpiresAt = fromMicro(created), fromMicro(expires)
	return &s, nil
}

// DeleteSession removes the session with the hash.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
	if err != nil {
		return wrap("delete session", err)
	}
	return checkAffected(res, "session", "delete session")
}

// DeleteUserSessions ends every session of a user.
func (db *DB) DeleteUserSessions(ctx context.Context, tenantID, userID string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?`, tenantID, userID)
	return wrap("delete user sessions", err)
}
