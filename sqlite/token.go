package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"tokenmint"
)

// tokenColumns are read with the tokens table aliased as t, so queries that
// join token_secrets can share scanToken.
const tokenColumns = `t.id, t.tenant_id, t.owner_kind, t.owner_id, t.type, t.name, t.description,
	t.project_id, t.prefix, t.created_at, t.updated_at, t.expires_at, t.last_used_at,
	t.uses, t.max_uses, t.status, t.revoked_at, t.version, t.allowed_cidrs`

// CreateToken stores the token and the keyed hash of its secret, and the
// audit entry ctx carries (tokenmint.WithAuditEntry), in one transaction
// shared with concurrent creations (groupcommit.go). A taken ID or secret
// hash is ECONFLICT.
func (db *DB) CreateToken(ctx context.Context, t *tokenmint.Token, secretHash []byte) error {
	entry := tokenmint.AuditEntryFrom(ctx)
	var auditID [1]int64
	err := db.grouped(ctx, func(tx *sql.Tx) error {
		if err := db.checkTokenQuota(ctx, tx, t); err != nil {
			return err
		}
		insertToken, err := db.inTxStmt(ctx, tx, insertTokenSQL)
		if err != nil {
			return wrap("create token", err)
		}
		_, err = insertToken.ExecContext(ctx,
			t.ID, t.TenantID, t.OwnerKind, t.OwnerID, t.Type, t.Name, t.Description,
			t.ProjectID, t.Prefix, toMicro(t.CreatedAt), toMicro(t.UpdatedAt),
			toNullMicro(t.ExpiresAt), toNullMicro(t.LastUsedAt),
			t.Uses, t.MaxUses, storedStatus(t.StoredStatus), toNullMicro(t.RevokedAt), t.Version,
			t.AllowedCIDRs.String())
		if err != nil {
			return writeErr(err, "token", "create token")
		}
		insertSecret, err := db.inTxStmt(ctx, tx, insertTokenSecretSQL)
		if err != nil {
			return wrap("create token secret", err)
		}
		_, err = insertSecret.ExecContext(ctx, t.ID, secretHash, toMicro(t.CreatedAt))
		if err != nil {
			return writeErr(err, "token secret", "create token secret")
		}
		if entry == nil {
			return nil
		}
		return wrap("append audit", db.appendAuditTx(ctx, tx, []*tokenmint.AuditEntry{entry}, auditID[:]))
	})
	if err == nil && entry != nil {
		entry.ID = auditID[0]
	}
	return err
}

// storedStatus defaults an unset status to active, the state of a new token.
func storedStatus(s string) string {
	if s == "" {
		return tokenmint.StatusActive
	}
	return s
}

// TokenByID returns the token with the ID in the tenant.
func (db *DB) TokenByID(ctx context.Context, tenantID, id string) (*tokenmint.Token, error) {
	row := db.read.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens t WHERE t.tenant_id = ? AND t.id = ?`, tenantID, id)
	return scanToken(row)
}

// TokenBySecret finds the token one of whose secrets has the hash, and
// returns until when that secret is valid (nil: as long as the token). It
// does not judge the token's state: that is the caller's rule.
const tokenBySecretSQL = `SELECT ` + tokenColumns + `, s.valid_until
	 FROM token_secrets s JOIN tokens t ON t.id = s.token_id
	 WHERE s.hash = ?`

func (db *DB) TokenBySecret(ctx context.Context, secretHash []byte) (*tokenmint.Token, *time.Time, error) {
	var validUntil sql.NullInt64
	row := db.readRow(ctx, tokenBySecretSQL, secretHash)
	t, err := scanToken(row, &validUntil)
	if err != nil {
		return nil, nil, err
	}
	return t, fromNullMicro(validUntil), nil
}

// UpdateToken saves description, expires_at, stored status, revoked_at,
// allowed_cidrs and updated_at, if the token is still at the version read. Everything else
// about a token is fixed at creation or changed by its own operation
// (rotation, spending, usage).
func (db *DB) UpdateToken(ctx context.Context, t *tokenmint.Token) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE tokens SET description = ?, expires_at = ?, status = ?, revoked_at = ?, updated_at = ?,
			        allowed_cidrs = ?, version = version + 1
			 WHERE tenant_id = ? AND id = ? AND version = ?`,
			t.Description, toNullMicro(t.ExpiresAt), storedStatus(t.StoredStatus),
			toNullMicro(t.RevokedAt), toMicro(t.UpdatedAt), t.AllowedCIDRs.String(), t.TenantID, t.ID, t.Version)
		if err != nil {
			return wrap("update token", err)
		}
		if ok, err := affectedOne(res, "update token"); err != nil || ok {
			return err
		}
		if err := tokenExists(ctx, tx, t.TenantID, t.ID); err != nil {
			return err
		}
		return errTokenChanged
	})
	if err == nil {
		t.Version++
	}
	return err
}

// errTokenChanged refuses an update decided on a stale read of the token.
var errTokenChanged = tokenmint.Errorf(tokenmint.ECONFLICT, "token was changed meanwhile; read it again")

// DeleteToken removes the token for good; its secrets and usage go with it
// through ON DELETE CASCADE.
func (db *DB) DeleteToken(ctx context.Context, tenantID, id string) error {
	res, err := db.write.ExecContext(ctx,
		`DELETE FROM tokens WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return wrap("delete token", err)
	}
	return checkAffected(res, "token", "delete token")
}

// scanToken reads tokenColumns and then any extra destinations.
func scanToken(s scanner, extra ...any) (*tokenmint.Token, error) {
	var t tokenmint.Token
	var created, updated int64
	var expires, lastUsed, revoked sql.NullInt64
	var cidrs string
	dest := []any{&t.ID, &t.TenantID, &t.OwnerKind, &t.OwnerID, &t.Type, &t.Name, &t.Description,
		&t.ProjectID, &t.Prefix, &created, &updated, &expires, &lastUsed,
		&t.Uses, &t.MaxUses, &t.StoredStatus, &revoked, &t.Version, &cidrs}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, readErr(err, "token", "read token")
	}
	var err error
	if t.AllowedCIDRs, err = tokenmint.ParseStoredCIDRs(cidrs); err != nil {
		return nil, fmt.Errorf("sqlite: token %s: allowed_cidrs: %w", t.ID, err)
	}
	t.CreatedAt = fromMicro(created)
	t.UpdatedAt = fromMicro(updated)
	t.ExpiresAt = fromNullMicro(expires)
	t.LastUsedAt = fromNullMicro(lastUsed)
	t.RevokedAt = fromNullMicro(revoked)
	return &t, nil
}
