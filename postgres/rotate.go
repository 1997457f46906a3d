package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// RotateTokenSecret adds newHash as the token's current secret (valid as
// long as the token), limits every older secret to oldValidUntil unless it
// already ends earlier, and sets the token's prefix, expiry and updated_at
// to the new values — all in one transaction. The first UPDATE locks the
// token's row, so two rotations at once, on any instances, apply one after
// the other, and a verifier sees either the old state or the new one.
func (db *DB) RotateTokenSecret(ctx context.Context, tokenID string, newHash []byte, prefix string,
	oldValidUntil time.Time, expiresAt *time.Time, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE tokens SET prefix = $1, expires_at = $2, updated_at = $3, version = version + 1 WHERE id = $4`,
			prefix, expiresAt, now, tokenID)
		if err != nil {
			return wrap("rotate token", err)
		}
		if err := checkAffected(tag, "token"); err != nil {
			return err
		}
		// Limit the older secrets before adding the new one, so the new
		// one is left unlimited.
		if _, err := tx.Exec(ctx,
			`UPDATE token_secrets SET valid_until = $1
			 WHERE token_id = $2 AND (valid_until IS NULL OR valid_until > $1)`,
			oldValidUntil, tokenID); err != nil {
			return wrap("rotate token: limit old secrets", err)
		}
		_, err = tx.Exec(ctx,
			`INSERT INTO token_secrets (token_id, hash, valid_until, created_at) VALUES ($1, $2, NULL, $3)`,
			tokenID, newHash, now)
		if err != nil {
			return writeErr(err, "token secret", "rotate token: add secret")
		}
		return announce(ctx, tx)
	})
}
