package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tokenmint"
)

// activityExpr is a token's last activity: the latest of its creation, last
// use and last reactivation.
const activityExpr = `MAX(t.created_at, COALESCE(t.last_used_at, 0), COALESCE(t.reactivated_at, 0))`

// ListTenants returns every tenant, by name.
func (db *DB) ListTenants(ctx context.Context) ([]*tokenmint.Tenant, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, created_at FROM tenants ORDER BY name`)
	if err != nil {
		return nil, wrap("list tenants", err)
	}
	defer rows.Close()
	out := []*tokenmint.Tenant{}
	for rows.Next() {
		var t tokenmint.Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, wrap("list tenants", err)
		}
		t.CreatedAt = fromMicro(created)
		out = append(out, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list tenants", err)
	}
	return out, nil
}

// IdleTokens returns the tenant's tokens idle since idleSince, in ID order
// after the cursor.
func (db *DB) IdleTokens(ctx context.Context, tenantID string, idleSince time.Time, storedStatus, after string, limit int) ([]*tokenmint.Token, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	q := `SELECT ` + tokenColumns + ` FROM tokens t
	      WHERE t.tenant_id = ? AND ` + activityExpr + ` <= ? AND t.id > ?`
	args := []any{tenantID, toMicro(idleSince), after}
	if storedStatus != "" {
		q += ` AND t.status = ?`
		args = append(args, storedStatus)
	}
	q += ` ORDER BY t.id LIMIT ?`
	args = append(args, limit)
	return db.queryTokens(ctx, "idle tokens", q, args...)
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
		 WHERE t.tenant_id = ? AND t.expires_at > ? AND t.expires_at <= ?
		   AND t.status <> 'revoked' AND NOT (t.max_uses > 0 AND t.uses >= t.max_uses)
		   AND NOT EXISTS (SELECT 1 FROM token_notices n
		                   WHERE n.token_id = t.id AND n.kind = ? AND n.expires_at = t.expires_at)
		 ORDER BY t.expires_at, t.id LIMIT ?`,
		tenantID, toMicro(from), toMicro(to), kind, limit)
}

func (db *DB) queryTokens(ctx context.Context, op, q string, args ...any) ([]*tokenmint.Token, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []*tokenmint.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// DeactivateIdleToken sets an active token idle since idleSince inactive
// and appends ev, in one transaction. The conditions are in the UPDATE, so
// of several instances running the job only one changes the token and
// appends the event.
func (db *DB) DeactivateIdleToken(ctx context.Context, tenantID, id string, idleSince, now time.Time, ev *tokenmint.Event) (bool, error) {
	var changed bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE tokens AS t SET status = 'inactive', updated_at = ?, version = version + 1
			 WHERE t.tenant_id = ? AND t.id = ? AND t.status = 'active' AND `+activityExpr+` <= ?`,
			toMicro(now), tenantID, id, toMicro(idleSince))
		if err != nil {
			return wrap("deactivate idle token", err)
		}
		if changed, err = affectedOne(res, "deactivate idle token"); err != nil || !changed {
			if err == nil {
				err = tokenExists(ctx, tx, tenantID, id)
			}
			return err
		}
		return appendEvent(ctx, tx, ev)
	})
	return changed, err
}

// DeleteIdleToken deletes a token idle since idleSince and appends ev, in
// one transaction; its secrets, usage, blocks and notices go with it
// through ON DELETE CASCADE.
func (db *DB) DeleteIdleToken(ctx context.Context, tenantID, id string, idleSince time.Time, ev *tokenmint.Event) (bool, error) {
	var deleted bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`DELETE FROM tokens AS t WHERE t.tenant_id = ? AND t.id = ? AND `+activityExpr+` <= ?`,
			tenantID, id, toMicro(idleSince))
		if err != nil {
			return wrap("delete idle token", err)
		}
		if deleted, err = affectedOne(res, "delete idle token"); err != nil || !deleted {
			return err
		}
		return appendEvent(ctx, tx, ev)
	})
	return deleted, err
}

// RecordNotice records the notice and appends ev in one transaction; a
// notice recorded before changes nothing.
func (db *DB) RecordNotice(ctx context.Context, n tokenmint.Notice, ev *tokenmint.Event) (bool, error) {
	return db.recordTokenNotice(ctx, "record notice", n.TenantID, n.TokenID, ev,
		`INSERT INTO token_notices (token_id, kind, expires_at, sent_at)
		 SELECT id, ?, ?, ? FROM tokens WHERE tenant_id = ? AND id = ?
		 ON CONFLICT (token_id, kind, expires_at) DO NOTHING`,
		n.Kind, toMicro(n.ExpiresAt), toMicro(n.SentAt), n.TenantID, n.TokenID)
}

// recordTokenNotice runs insert, which records a notice of the tenant's
// token once (INSERT ... SELECT ... ON CONFLICT DO NOTHING inserts nothing
// for a token not in the tenant, or a notice recorded before), and
// appends ev in the same transaction when it recorded one. A token not in
// the tenant is ENOTFOUND.
func (db *DB) recordTokenNotice(ctx context.Context, op, tenantID, tokenID string, ev *tokenmint.Event, insert string, args ...any) (bool, error) {
	var recorded bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insert, args...)
		if err != nil {
			return wrap(op, err)
		}
		if recorded, err = affectedOne(res, op); err != nil || !recorded {
			if err == nil {
				err = tokenExists(ctx, tx, tenantID, tokenID)
			}
			return err
		}
		return appendEvent(ctx, tx, ev)
	})
	return recorded, err
}

// affectedOne reports whether a statement changed a row.
func affectedOne(res sql.Result, op string) (bool, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(op, err)
	}
	return n > 0, nil
}

// tokenExists is nil when the token is in the tenant, else ENOTFOUND.
func tokenExists(ctx context.Context, tx *sql.Tx, tenantID, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM tokens WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&one)
	return readErr(err, "token", "read token")
}
