package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tokenmint"
)

// TokensDueNotice returns the tenant's tokens expiring in (from, to] that
// are neither revoked nor exhausted and have no notice, for their current
// expiry, of a window of windowDays or fewer.
func (db *DB) TokensDueNotice(ctx context.Context, tenantID string, from, to time.Time, windowDays, limit int) ([]*tokenmint.Token, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	return db.queryTokens(ctx, "tokens due a notice",
		`SELECT `+tokenColumns+` FROM tokens t
		 WHERE t.tenant_id = ? AND t.expires_at > ? AND t.expires_at <= ?
		   AND t.status <> 'revoked' AND NOT (t.max_uses > 0 AND t.uses >= t.max_uses)
		   AND NOT EXISTS (SELECT 1 FROM token_expiry_notices n
		                   WHERE n.token_id = t.id AND n.expires_at = t.expires_at AND n.window_days <= ?)
		 ORDER BY t.expires_at, t.id LIMIT ?`,
		tenantID, toMicro(from), toMicro(to), windowDays, limit)
}

// RecordExpiryNotice records the notice and appends ev in one transaction;
// a notice recorded before changes nothing.
func (db *DB) RecordExpiryNotice(ctx context.Context, n tokenmint.ExpiryNotice, ev *tokenmint.Event) (bool, error) {
	return db.recordTokenNotice(ctx, "record expiry notice", n.TenantID, n.TokenID, ev,
		`INSERT INTO token_expiry_notices (token_id, expires_at, window_days, sent_at)
		 SELECT id, ?, ?, ? FROM tokens WHERE tenant_id = ? AND id = ?
		 ON CONFLICT (token_id, expires_at, window_days) DO NOTHING`,
		toMicro(n.ExpiresAt), n.WindowDays, toMicro(n.SentAt), n.TenantID, n.TokenID)
}

// DigestTokens returns the tenant's user-owned tokens active at from that
// expire in (from, to], by owner, expiry and ID.
func (db *DB) DigestTokens(ctx context.Context, tenantID string, from, to time.Time) ([]*tokenmint.Token, error) {
	return db.queryTokens(ctx, "digest tokens",
		`SELECT `+tokenColumns+` FROM tokens t
		 WHERE t.tenant_id = ? AND t.owner_kind = 'user' AND t.expires_at > ? AND t.expires_at <= ?
		   AND (`+statusExpr+`) = 'active'
		 ORDER BY t.owner_id, t.expires_at, t.id`,
		tenantID, toMicro(from), toMicro(to), toMicro(from))
}

// RecordExpiryDigest records the digest and appends ev in one transaction;
// a digest recorded before changes nothing.
func (db *DB) RecordExpiryDigest(ctx context.Context, d tokenmint.ExpiryDigest, ev *tokenmint.Event) (bool, error) {
	var recorded bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO expiry_digests (tenant_id, user_id, week_day, sent_at) VALUES (?, ?, ?, ?)
			 ON CONFLICT (tenant_id, user_id, week_day) DO NOTHING`,
			d.TenantID, d.UserID, d.WeekDay, toMicro(d.SentAt))
		if isForeignKey(err) {
			return tokenmint.Errorf(tokenmint.ENOTFOUND, "tenant not found")
		}
		if err != nil {
			return wrap("record expiry digest", err)
		}
		if recorded, err = affectedOne(res, "record expiry digest"); err != nil || !recorded {
			return err
		}
		return appendEvent(ctx, tx, ev)
	})
	return recorded, err
}

// ExpiryDays counts the tenant's tokens active at from expiring in (from,
// to] per UTC day of expiry. expires_at is in microseconds since 1970, all
// positive, so integer division is the floor.
func (db *DB) ExpiryDays(ctx context.Context, tenantID string, from, to time.Time) ([]tokenmint.DayCount, error) {
	rows, err := db.read.QueryContext(ctx,
		`SELECT t.expires_at / 86400000000 AS day, count(*) FROM tokens t
		 WHERE t.tenant_id = ? AND t.expires_at > ? AND t.expires_at <= ?
		   AND (`+statusExpr+`) = 'active'
		 GROUP BY day ORDER BY day`,
		tenantID, toMicro(from), toMicro(to), toMicro(from))
	if err != nil {
		return nil, wrap("expiry days", err)
	}
	defer rows.Close()
	out := []tokenmint.DayCount{}
	for rows.Next() {
		var c tokenmint.DayCount
		if err := rows.Scan(&c.Day, &c.Count); err != nil {
			return nil, wrap("expiry days", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("expiry days", err)
	}
	return out, nil
}
