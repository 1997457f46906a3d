package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"tokenmint"
)

const refreshColumns = `id, tenant_id, family_id, user_id, client_id, scope, created_at, expires_at,
	used_at, revoked_at, access_jti, access_expires_at`

// CreateRefreshToken stores a refresh token under the hash of its secret.
func (db *DB) CreateRefreshToken(ctx context.Context, r *tokenmint.RefreshToken, hash []byte) error {
	_, err := db.write.ExecContext(ctx, insertRefresh, refreshArgs(r, hash)...)
	return writeErr(err, "refresh token", "create refresh token")
}

const insertRefresh = `INSERT INTO refresh_tokens (` + refreshColumns + `, hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func refreshArgs(r *tokenmint.RefreshToken, hash []byte) []any {
	return []any{r.ID, r.TenantID, r.FamilyID, r.UserID, r.ClientID, tokenmint.FormatScope(r.Scope),
		toMicro(r.CreatedAt), toMicro(r.ExpiresAt), toNullMicro(r.UsedAt), toNullMicro(r.RevokedAt),
		r.AccessJTI, toMicro(r.AccessExpiresAt), hash}
}

// RefreshTokenByHash returns the refresh token with the secret hash.
func (db *DB) RefreshTokenByHash(ctx context.Context, hash []byte) (*tokenmint.RefreshToken, error) {
	return scanRefresh(db.read.QueryRowContext(ctx,
		`SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = ?`, hash))
}

// RotateRefreshToken spends oldID and stores next in one transaction; a
// spent or revoked oldID is ECONFLICT and changes nothing.
func (db *DB) RotateRefreshToken(ctx context.Context, oldID string, now time.Time, next *tokenmint.RefreshToken, nextHash []byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`,
			toMicro(now), oldID)
		if err != nil {
			return wrap("spend refresh token", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap("spend refresh token", err)
		} else if n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM refresh_tokens WHERE id = ?`, oldID).Scan(&one); err != nil {
				return readErr(err, "refresh token", "spend refresh token")
			}
			return tokenmint.Errorf(tokenmint.ECONFLICT, "refresh token already used or revoked")
		}
		_, err = tx.ExecContext(ctx, insertRefresh, refreshArgs(next, nextHash)...)
		return writeErr(err, "refresh token", "create refresh token")
	})
}

// RevokeRefreshFamily revokes the family and returns all its tokens.
func (db *DB) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) ([]*tokenmint.RefreshToken, error) {
	var out []*tokenmint.RefreshToken
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
			toMicro(now), familyID); err != nil {
			return wrap("revoke refresh family", err)
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT `+refreshColumns+` FROM refresh_tokens WHERE family_id = ? ORDER BY created_at, id`, familyID)
		if err != nil {
			return wrap("revoke refresh family", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRefresh(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return wrap("revoke refresh family", rows.Err())
	})
	return out, err
}

func scanRefresh(s scanner) (*tokenmint.RefreshToken, error) {
	var r tokenmint.RefreshToken
	var scope string
	var created, expires, accessExp int64
	var used, revoked sql.NullInt64
	if err := s.Scan(&r.ID, &r.TenantID, &r.FamilyID, &r.UserID, &r.ClientID, &scope, &created, &expires,
		&used, &revoked, &r.AccessJTI, &accessExp); err != nil {
		return nil, readErr(err, "refresh token", "read refresh token")
	}
	for _, f := range strings.Fields(scope) {
		r.Scope = append(r.Scope, tokenmint.Permission(f))
	}
	r.CreatedAt, r.ExpiresAt, r.AccessExpiresAt = fromMicro(created), fromMicro(expires), fromMicro(accessExp)
	r.UsedAt, r.RevokedAt = fromNullMicro(used), fromNullMicro(revoked)
	return &r, nil
}

// RevokeAccessToken records a revoked jti; a repeat is ignored.
func (db *DB) RevokeAccessToken(ctx context.Context, r *tokenmint.RevokedAccessToken) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO revoked_access_tokens (jti, tenant_id, expires_at, revoked_at) VALUES (?, ?, ?, ?)
		 ON CONFLICT (jti) DO NOTHING`,
		r.JTI, r.TenantID, toMicro(r.ExpiresAt), toMicro(r.RevokedAt))
	return wrap("revoke access token", err)
}

// AccessTokenRevoked reports whether the jti was revoked.
func (db *DB) AccessTokenRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM revoked_access_tokens WHERE jti = ?`, jti).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, wrap("read access token revocation", err)
}

// DeleteExpiredOAuth removes revocations and refresh tokens that expired
// before the time.
func (db *DB) DeleteExpiredOAuth(ctx context.Context, before time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM revoked_access_tokens WHERE expires_at < ?`, toMicro(before)); err != nil {
			return wrap("delete expired revocations", err)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE expires_at < ?`, toMicro(before))
		return wrap("delete expired refresh tokens", err)
	})
}

const signingKeyColumns = `kid, algorithm, public_key, private_key, created_at, retired_at, publish_until`

// SigningKeys returns every stored signing key, oldest first.
func (db *DB) SigningKeys(ctx context.Context) ([]*tokenmint.SigningKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys ORDER BY created_at, kid`)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	defer rows.Close()
	out := []*tokenmint.SigningKey{}
	for rows.Next() {
		var k tokenmint.SigningKey
		var created int64
		var retired, publish sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PublicKey, &k.SealedPrivateKey, &created, &retired, &publish); err != nil {
			return nil, wrap("read signing key", err)
		}
		k.CreatedAt, k.RetiredAt, k.PublishUntil = fromMicro(created), fromNullMicro(retired), fromNullMicro(publish)
		out = append(out, &k)
	}
	return out, wrap("list signing keys", rows.Err())
}

// AddSigningKey stores k and retires activeKID in one transaction, or
// returns ECONFLICT when activeKID is not the key signing now.
func (db *DB) AddSigningKey(ctx context.Context, k *tokenmint.SigningKey, activeKID string, publishUntil time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT kid FROM signing_keys WHERE retired_at IS NULL`)
		if err != nil {
			return wrap("read active signing key", err)
		}
		var active []string
		for rows.Next() {
			var kid string
			if err := rows.Scan(&kid); err != nil {
				rows.Close()
				return wrap("read active signing key", err)
			}
			active = append(active, kid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap("read active signing key", err)
		}
		if (activeKID == "" && len(active) != 0) || (activeKID != "" && (len(active) != 1 || active[0] != activeKID)) {
			return tokenmint.Errorf(tokenmint.ECONFLICT, "the signing key was rotated meanwhile")
		}
		if activeKID != "" {
			if _, err := tx.ExecContext(ctx,
				`UPDATE signing_keys SET retired_at = ?, publish_until = ? WHERE kid = ?`,
				toMicro(k.CreatedAt), toMicro(publishUntil), activeKID); err != nil {
				return wrap("retire signing key", err)
			}
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
			k.ID, k.Algorithm, k.PublicKey, k.SealedPrivateKey, toMicro(k.CreatedAt))
		return writeErr(err, "signing key", "add signing key")
	})
}

// DeleteSigningKeys removes retired keys published only until before.
func (db *DB) DeleteSigningKeys(ctx context.Context, before time.Time) error {
	_, err := db.write.ExecContext(ctx,
		`DELETE FROM signing_keys WHERE publish_until IS NOT NULL AND publish_until < ?`, toMicro(before))
	return wrap("delete signing keys", err)
}
