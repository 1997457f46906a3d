package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// activityExpr is a token's last activity: the latest of its creation, last
// use and last reactivation (GREATEST ignores NULLs).
const activityExpr = `GREATEST(t.created_at, t.last_used_at, t.reactivated_at)`

// ListTenants returns every tenant, by name.
func (db *DB) ListTenants(ctx context.Context) ([]*tokenmint.Tenant, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, created_at FROM tenants ORDER BY name`)
	if err != nil {
		return nil, wrap("list tenants", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Tenant, error) {
		var t tokenmint.Tenant
		err := row.Scan(&t.ID, &t.Name, &t.CreatedAt)
		t.CreatedAt = utc(t.CreatedAt)
		return &t, err
	})
	if err != nil {
		return nil, wrap("list tenants", err)
	}
	if out == nil {
		out = []*tokenmint.Tenant{}
	}
	return out, nil
}

// IdleTokens returns the tenant's tokens idle since idleSince, in ID order
// after the cursor.
func (db *DB) IdleTokens(ctx context.Context, tenantID string, idleSince time.Time, storedStatus, after string, limit int) ([]*tokenmint.Token, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	return db.queryTokens(ctx, "idle tokens",
		`SELECT `+tokenColumns+` FROM tokens t
		 WHERE t.tenant_id = $1 AND `+activityExpr+` <= $2 AND t.id > $3
		   AND ($4::text = '' OR t.status = $4::text)
		 ORDER BY t.id LIMIT $5`,
		tenantID, idleSince, after, storedStatus, limit)
}

// ExpiringTokens returns the tenant's tokens expiring in (from, to] that are
// neither revoked nor exhausted and have no notice of kind for their
// current expiry.
func (db *DB) ExpiringTokens(ctx context.Context, tenantID string, from, to time.Time, kind string, limit int) ([]*tokenmint.Token, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	return db.queryTokens(ctx, "expiring tokens",
		`SELECT `+tokenColumns+` FROM tokens t
		 WHERE t.tenant_id = $1 AND t.expires_at > $2 AND t.expires_at <= $3
		   AND t.status <> 'revoked' AND NOT (t.max_uses > 0 AND t.uses >= t.max_uses)
		   AND NOT EXISTS (SELECT 1 FROM token_notices n
		                   WHERE n.token_id = t.id AND n.kind = $4 AND n.expires_at = t.expires_at)
		 ORDER BY t.expires_at, t.id LIMIT $5`,
		tenantID, from, to, kind, limit)
}

func (db *DB) queryTokens(ctx context.Context, op, q string, args ...any) ([]*tokenmint.Token, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Token, error) {
		return scanToken(row)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	if out == nil {
		out = []*tokenmint.Token{}
	}
	return out, nil
}

// DeactivateIdleToken sets an active token idle since idleSince inactive
// and appends ev, in one transaction. The conditions are in the UPDATE:
// when instances race, the later UPDATE waits for the earlier one's commit,
// re-checks its WHERE, no longer matches and appends nothing.
func (db *DB) DeactivateIdleToken(ctx context.Context, tenantID, id string, idleSince, now time.Time, ev *tokenmint.Event) (bool, error) {
	var changed bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE tokens AS t SET status = 'inactive', updated_at = $1, version = t.version + 1
			 WHERE t.tenant_id = $2 AND t.id = $3 AND t.status = 'active' AND `+activityExpr+` <= $4`,
			now, tenantID, id, idleSince)
		if err != nil {
			return err
		}
		if changed = tag.RowsAffected() > 0; !changed {
			return tokenExists(ctx, tx, tenantID, id)
		}
		if err := appendEvent(ctx, tx, ev); err != nil {
			return err
		}
		return announce(ctx, tx)
	})
	return changed, err
}

// DeleteIdleToken deletes a token idle since idleSince and appends ev, in
// one transaction; its secrets, usage, blocks and notices go with it
// through ON DELETE CASCADE.
func (db *DB) DeleteIdleToken(ctx context.Context, tenantID, id string, idleSince time.Time, ev *tokenmint.Event) (bool, error) {
	var deleted bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`DELETE FROM tokens AS t WHERE t.tenant_id = $1 AND t.id = $2 AND `+activityExpr+` <= $3`,
			tenantID, id, idleSince)
		if err != nil {
			return err
		}
		if deleted = tag.RowsAffected() > 0; !deleted {
			return nil
		}
		if err := appendEvent(ctx, tx, ev); err != nil {
			return err
		}
		return announce(ctx, tx)
	})
	return deleted, err
}

// RecordNotice records the notice and appends ev in one transaction; a
// notice recorded before changes nothing.
func (db *DB) RecordNotice(ctx context.Context, n tokenmint.Notice, ev *tokenmint.Event) (bool, error) {
	return db.recordTokenNotice(ctx, n.TenantID, n.TokenID, ev,
		`INSERT INTO token_notices (token_id, kind, expires_at, sent_at)
		 SELECT id, $1::text, $2::timestamptz, $3::timestamptz FROM tokens WHERE tenant_id = $4 AND id = $5
		 ON CONFLICT (token_id, kind, expires_at) DO NOTHING`,
		n.Kind, n.ExpiresAt, n.SentAt, n.TenantID, n.TokenID)
}

// recordTokenNotice runs insert, which records a notice of the tenant's
// token once (INSERT ... SELECT ... ON CONFLICT DO NOTHING inserts nothing
// for a token not in the tenant, or a notice recorded before), and
// appends ev in the same transaction when it recorded one. A token not in
// the tenant is ENOTFOUND.
func (db *DB) recordTokenNotice(ctx context.Context, tenantID, tokenID string, ev *tokenmint.Event, insert string, args ...any) (bool, error) {
	var recorded bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, insert, args...)
		if err != nil {
			return err
		}
		if recorded = tag.RowsAffected() > 0; !recorded {
			return tokenExists(ctx, tx, tenantID, tokenID)
		}
		return appendEvent(ctx, tx, ev)
	})
	return recorded, err
}

// tokenExists is nil when the token is in the tenant, else ENOTFOUND.
func tokenExists(ctx context.Context, tx pgx.Tx, tenantID, id string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM tokens WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&one)
	return readErr(err, "token", "read token")
}
