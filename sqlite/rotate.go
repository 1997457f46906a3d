package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// RotateTokenSecret adds newHash as the token's current secret (valid as
// long as the token), limits every older secret to oldValidUntil unless it
// already ends earlier, and sets the token's prefix, expiry and updated_at
// to the new values — all in one transaction, so a verifier sees either
// the old state or the new one, and two rotations at once apply one after
// the other.
func (db *DB) RotateTokenSecret(ctx context.Context, tokenID string, newHash []byte, prefix string,
	oldValidUntil time.Time, expiresAt *time.Time, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE tokens SET prefix = ?, expires_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			prefix, toNullMicro(expiresAt), toMicro(now), tokenID)
		if err != nil {
			return wrap("rotate token", err)
		}
		if err := checkAffected(res, "token", "rotate token"); err != nil {
			return err
		}
		// Limit the older secrets before adding the new one, so the new
		// one is left unlimited.
		limit := toMicro(oldValidUntil)
		if _, err := tx.ExecContext(ctx,
			`UPDATE token_secrets SET valid_until = ?
			 WHERE token_id = ? AND (valid_until IS NULL OR valid_until > ?)`,
			limit, tokenID, limit); err != nil {
			return wrap("rotate token: limit old secrets", err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO token_secrets (token_id, hash, valid_until, created_at) VALUES (?, ?, NULL, ?)`,
			tokenID, newHash, toMicro(now))
		return writeErr(err, "token secret", "rotate token: add secret")
	})
}
