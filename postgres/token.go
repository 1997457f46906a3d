package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// tokenColumns are read with the tokens table aliased as t, so queries that
// join token_secrets can share scanToken.
const tokenColumns = `t.id, t.tenant_id, t.owner_kind, t.owner_id, t.type, t.name, t.description,
	t.project_id, t.prefix, t.created_at, t.updated_at, t.expires_at, t.last_used_at,
	t.uses, t.max_uses, t.status, t.revoked_at, t.version, t.allowed_cidrs`

// CreateToken stores the token and the keyed hash of its secret, and the
// audit entry ctx carries (tokenmint.WithAuditEntry), in one transaction.
// A taken ID or secret hash is ECONFLICT.
func (db *DB) CreateToken(ctx context.Context, t *tokenmint.Token, secretHash []byte) error {
	entry := tokenmint.AuditEntryFrom(ctx)
	var auditID int64
	var err error
	if _, quota := tokenmint.TokenQuotaFrom(ctx); quota {
		// The owner's tokens are counted under a lock before the inserts,
		// in a transaction of their own.
		err = db.inTx(ctx, func(tx pgx.Tx) error {
			if err := checkTokenQuota(ctx, tx, t); err != nil {
				return err
			}
			return insertToken(ctx, tx, t, secretHash, entry, &auditID)
		})
	} else {
		// The inserts are the whole write: one batch, which PostgreSQL
		// runs as one implicit transaction (all or nothing), in a single
		// round trip instead of BEGIN, three inserts and COMMIT.
		err = insertToken(ctx, db.pool, t, secretHash, entry, &auditID)
	}
	if err == nil && entry != nil {
		entry.ID = auditID
	}
	return err
}

// batchSender is what sends a batch: the pool (one implicit transaction)
// or a transaction.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// insertToken inserts the token, its secret and, when entry is not nil,
// its audit entry as one batch, and puts the entry's ID in auditID.
func insertToken(ctx context.Context, q batchSender, t *tokenmint.Token, secretHash []byte, entry *tokenmint.AuditEntry, auditID *int64) error {
	var b pgx.Batch
	b.Queue(`INSERT INTO tokens (id, tenant_id, owner_kind, owner_id, type, name, description,
		        project_id, prefix, created_at, updated_at, expires_at, last_used_at,
		        uses, max_uses, status, revoked_at, version, allowed_cidrs)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		t.ID, t.TenantID, t.OwnerKind, t.OwnerID, t.Type, t.Name, t.Description,
		t.ProjectID, t.Prefix, t.CreatedAt, t.UpdatedAt, t.ExpiresAt, t.LastUsedAt,
		t.Uses, t.MaxUses, storedStatus(t.StoredStatus), t.RevokedAt, t.Version, t.AllowedCIDRs.String())
	b.Queue(`INSERT INTO token_secrets (token_id, hash, valid_until, created_at) VALUES ($1, $2, NULL, $3)`,
		t.ID, secretHash, t.CreatedAt)
	if entry != nil {
		b.Queue(insertAuditSQL, entry.TenantID, entry.Time, entry.ActorKind, entry.ActorID, entry.Action,
			entry.ObjectKind, entry.ObjectID, entry.ClientIP, entry.Outcome, entry.Detail)
	}
	res := q.SendBatch(ctx, &b)
	defer res.Close()
	if _, err := res.Exec(); err != nil {
		return writeErr(err, "token", "create token")
	}
	if _, err := res.Exec(); err != nil {
		return writeErr(err, "token secret", "create token secret")
	}
	if entry != nil {
		if err := res.QueryRow().Scan(auditID); err != nil {
			return wrap("append audit", err)
		}
	}
	// Closing reads the end of the batch, where an implicit transaction
	// reports a failed commit.
	return wrap("create token", res.Close())
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
	row := db.pool.QueryRow(ctx,
		`SELECT `+tokenColumns+` FROM tokens t WHERE t.tenant_id = $1 AND t.id = $2`, tenantID, id)
	return scanToken(row)
}

// TokenBySecret finds the token one of whose secrets has the hash, and
// returns until when that secret is valid (nil: as long as the token). It
// does not judge the token's state: that is the caller's rule.
func (db *DB) TokenBySecret(ctx context.Context, secretHash []byte) (*tokenmint.Token, *time.Time, error) {
	var validUntil *time.Time
	row := db.pool.QueryRow(ctx,
		`SELECT `+tokenColumns+`, s.valid_until
		 FROM token_secrets s JOIN tokens t ON t.id = s.token_id
		 WHERE s.hash = $1`, secretHash)
	t, err := scanToken(row, &validUntil)
	if err != nil {
		return nil, nil, err
	}
	return t, utcPtr(validUntil), nil
}

// UpdateToken saves description, expires_at, stored status, revoked_at,
// allowed_cidrs and updated_at, if the token is still at the version read. Everything else
// about a token is fixed at creation or changed by its own operation
// (rotation, spending, usage). Of two updates from the same read, the
// later one waits for the earlier one's commit, re-checks its WHERE
// against the new row and no longer matches.
func (db *DB) UpdateToken(ctx context.Context, t *tokenmint.Token) error {
	err := db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`UPDATE tokens SET description = $1, expires_at = $2, status = $3, revoked_at = $4, updated_at = $5,
			        allowed_cidrs = $9, version = version + 1
			 WHERE tenant_id = $6 AND id = $7 AND version = $8`,
			t.Description, t.ExpiresAt, storedStatus(t.StoredStatus), t.RevokedAt, t.UpdatedAt,
			t.TenantID, t.ID, t.Version, t.AllowedCIDRs.String())
		if err != nil {
			return wrap("update token", err)
		}
		if tag.RowsAffected() == 0 {
			var one int
			err := q.QueryRow(ctx, `SELECT 1 FROM tokens WHERE tenant_id = $1 AND id = $2`, t.TenantID, t.ID).Scan(&one)
			if err != nil {
				return readErr(err, "token", "update token")
			}
			return errTokenChanged
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.Version++
	return nil
}

// errTokenChanged refuses an update decided on a stale read of the token.
var errTokenChanged = tokenmint.Errorf(tokenmint.ECONFLICT, "token was changed meanwhile; read it again")

// DeleteToken removes the token for good; its secrets and usage go with it
// through ON DELETE CASCADE.
func (db *DB) DeleteToken(ctx context.Context, tenantID, id string) error {
	tag, err := db.pool.Exec(ctx,
		`DELETE FROM tokens WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return wrap("delete token", err)
	}
	return checkAffected(tag, "token")
}

// scanToken reads tokenColumns and then any extra destinations.
func scanToken(row pgx.Row, extra ...any) (*tokenmint.Token, error) {
	var t tokenmint.Token
	var cidrs string
	dest := []any{&t.ID, &t.TenantID, &t.OwnerKind, &t.OwnerID, &t.Type, &t.Name, &t.Description,
		&t.ProjectID, &t.Prefix, &t.CreatedAt, &t.UpdatedAt, &t.ExpiresAt, &t.LastUsedAt,
		&t.Uses, &t.MaxUses, &t.StoredStatus, &t.RevokedAt, &t.Version, &cidrs}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, readErr(err, "token", "read token")
	}
	var err error
	if t.AllowedCIDRs, err = tokenmint.ParseStoredCIDRs(cidrs); err != nil {
		return nil, fmt.Errorf("postgres: token %s: allowed_cidrs: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = utc(t.CreatedAt), utc(t.UpdatedAt)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = utcPtr(t.ExpiresAt), utcPtr(t.LastUsedAt), utcPtr(t.RevokedAt)
	return &t, nil
}
