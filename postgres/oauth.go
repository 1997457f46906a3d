package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

const refreshColumns = `id, tenant_id, family_id, user_id, client_id, scope, created_at, expires_at,
	used_at, revoked_at, access_jti, access_expires_at`

const insertRefresh = `INSERT INTO refresh_tokens (` + refreshColumns + `, hash)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`

func refreshArgs(r *tokenmint.RefreshToken, hash []byte) []any {
	return []any{r.ID, r.TenantID, r.FamilyID, r.UserID, r.ClientID, tokenmint.FormatScope(r.Scope),
		r.CreatedAt, r.ExpiresAt, r.UsedAt, r.RevokedAt, r.AccessJTI, r.AccessExpiresAt, hash}
}

// CreateRefreshToken stores a refresh token under the hash of its secret.
func (db *DB) CreateRefreshToken(ctx context.Context, r *tokenmint.RefreshToken, hash []byte) error {
	_, err := db.pool.Exec(ctx, insertRefresh, refreshArgs(r, hash)...)
	return writeErr(err, "refresh token", "create refresh token")
}

// RefreshTokenByHash returns the refresh token with the secret hash.
func (db *DB) RefreshTokenByHash(ctx context.Context, hash []byte) (*tokenmint.RefreshToken, error) {
	return scanRefresh(db.pool.QueryRow(ctx,
		`SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = $1`, hash))
}

// RotateRefreshToken spends oldID and stores next in one transaction. The
// conditional UPDATE takes the row lock, so of concurrent callers exactly
// one sees a row affected; the others wait for it and then find used_at
// set: ECONFLICT, nothing changed.
func (db *DB) RotateRefreshToken(ctx context.Context, oldID string, now time.Time, next *tokenmint.RefreshToken, nextHash []byte) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL`,
			now, oldID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM refresh_tokens WHERE id = $1`, oldID).Scan(&one); err != nil {
				return readErr(err, "refresh token", "spend refresh token")
			}
			return tokenmint.Errorf(tokenmint.ECONFLICT, "refresh token already used or revoked")
		}
		_, err = tx.Exec(ctx, insertRefresh, refreshArgs(next, nextHash)...)
		return writeErr(err, "refresh token", "create refresh token")
	})
}

// RevokeRefreshFamily revokes the family and returns all its tokens.
func (db *DB) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) ([]*tokenmint.RefreshToken, error) {
	var out []*tokenmint.RefreshToken
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		out = nil
		if _, err := tx.Exec(ctx,
			`UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL`,
			now, familyID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx,
			`SELECT `+refreshColumns+` FROM refresh_tokens WHERE family_id = $1 ORDER BY created_at, id`, familyID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRefresh(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

func scanRefresh(row pgx.Row) (*tokenmint.RefreshToken, error) {
	var r tokenmint.RefreshToken
	var scope string
	if err := row.Scan(&r.ID, &r.TenantID, &r.FamilyID, &r.UserID, &r.ClientID, &scope, &r.CreatedAt,
		&r.ExpiresAt, &r.UsedAt, &r.RevokedAt, &r.AccessJTI, &r.AccessExpiresAt); err != nil {
		return nil, readErr(err, "refresh token", "read refresh token")
	}
	for _, f := range strings.Fields(scope) {
		r.Scope = append(r.Scope, tokenmint.Permission(f))
	}
	r.CreatedAt, r.ExpiresAt, r.AccessExpiresAt = utc(r.CreatedAt), utc(r.ExpiresAt), utc(r.AccessExpiresAt)
	r.UsedAt, r.RevokedAt = utcPtr(r.UsedAt), utcPtr(r.RevokedAt)
	return &r, nil
}

// RevokeAccessToken records a revoked jti; a repeat is ignored.
func (db *DB) RevokeAccessToken(ctx context.Context, r *tokenmint.RevokedAccessToken) error {
	return wrap("revoke access token", db.announced(ctx, func(q execer) error {
		_, err := q.Exec(ctx,
			`INSERT INTO revoked_access_tokens (jti, tenant_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (jti) DO NOTHING`,
			r.JTI, r.TenantID, r.ExpiresAt, r.RevokedAt)
		return err
	}))
}

// AccessTokenRevoked reports whether the jti was revoked.
func (db *DB) AccessTokenRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := db.pool.QueryRow(ctx, `SELECT 1 FROM revoked_access_tokens WHERE jti = $1`, jti).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrap("read access token revocation", err)
	}
	return true, nil
}

// DeleteExpiredOAuth removes revocations and refresh tokens that expired
// before the time.
func (db *DB) DeleteExpiredOAuth(ctx context.Context, before time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM revoked_access_tokens WHERE expires_at < $1`, before); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM refresh_tokens WHERE expires_at < $1`, before)
		return err
	})
}

const signingKeyColumns = `kid, algorithm, public_key, private_key, created_at, retired_at, publish_until`

// SigningKeys returns every stored signing key, oldest first.
func (db *DB) SigningKeys(ctx context.Context) ([]*tokenmint.SigningKey, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys ORDER BY created_at, kid`)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	defer rows.Close()
	out := []*tokenmint.SigningKey{}
	for rows.Next() {
		var k tokenmint.SigningKey
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PublicKey, &k.SealedPrivateKey, &k.CreatedAt,
			&k.RetiredAt, &k.PublishUntil); err != nil {
			return nil, wrap("read signing key", err)
		}
		k.CreatedAt, k.RetiredAt, k.PublishUntil = utc(k.CreatedAt), utcPtr(k.RetiredAt), utcPtr(k.PublishUntil)
		out = append(out, &k)
	}
	return out, wrap("list signing keys", rows.Err())
}

// AddSigningKey stores k and retires activeKID in one transaction, or
// returns ECONFLICT when activeKID is not the key signing now. The table
// lock serialises rotations of several instances: the second one to take
// it sees the first one's key and gives up.
func (db *DB) AddSigningKey(ctx context.Context, k *tokenmint.SigningKey, activeKID string, publishUntil time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT kid FROM signing_keys WHERE retired_at IS NULL`)
		if err != nil {
			return err
		}
		active, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if (activeKID == "" && len(active) != 0) || (activeKID != "" && (len(active) != 1 || active[0] != activeKID)) {
			return tokenmint.Errorf(tokenmint.ECONFLICT, "the signing key was rotated meanwhile")
		}
		if activeKID != "" {
			if _, err := tx.Exec(ctx,
				`UPDATE signing_keys SET retired_at = $1, publish_until = $2 WHERE kid = $3`,
				k.CreatedAt, publishUntil, activeKID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx,
			`INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES ($1, $2, $3, $4, $5, NULL, NULL)`,
			k.ID, k.Algorithm, k.PublicKey, k.SealedPrivateKey, k.CreatedAt)
		return writeErr(err, "signing key", "add signing key")
	})
}

// DeleteSigningKeys removes retired keys published only until before.
func (db *DB) DeleteSigningKeys(ctx context.Context, before time.Time) error {
	_, err := db.pool.Exec(ctx,
		`DELETE FROM signing_keys WHERE publish_until IS NOT NULL AND publish_until < $1`, before)
	return wrap("delete signing keys", err)
}
