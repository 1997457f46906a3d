package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// activeAt3 selects tokens active at the time $3 (the queries below bind
// the tenant to $1 and their lower bound to $2 and $3 alike).
var activeAt3 = `(` + fmt.Sprintf(statusExpr, "$3::timestamptz") + `) = 'active'`

// TokensDueNotice returns the tenant's tokens expiring in (from, to] that
// are neither revoked nor exhausted and have no notice, for their current
// expiry, of a window of windowDays or fewer.
func (db *DB) TokensDueNotice(ctx context.Context, tenantID string, from, to time.Time, windowDays, limit int) ([]*tokenmint.Token, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	return db.queryTokens(ctx, "tokens due a notice",
		`SELECT `+tokenColumns+` FROM tokens t
		 WHERE t.tenant_id = $1 AND t.expires_at > $2 AND t.expires_at <= $3
		   AND t.status <> 'revoked' AND NOT (t.max_uses > 0 AND t.uses >= t.max_uses)
		   AND NOT EXISTS (SELECT 1 FROM token_expiry_notices n
		                   WHERE n.token_id = t.id AND n.expires_at = t.expires_at AND n.window_days <= $4)
		 ORDER BY t.expires_at, t.id LIMIT $5`,
		tenantID, from, to, windowDays, limit)
}

// RecordExpiryNotice records the notice and appends ev in one transaction;
// a notice recorded before changes nothing.
func (db *DB) RecordExpiryNotice(ctx context.Context, n tokenmint.ExpiryNotice, ev *tokenmint.Event) (bool, error) {
	return db.recordTokenNotice(ctx, n.TenantID, n.TokenID, ev,
		`INSERT INTO token_expiry_notices (token_id, expires_at, window_days, sent_at)
		 SELECT id, $1::timestamptz, $2::integer, $3::timestamptz FROM tokens WHERE tenant_id = $4 AND id = $5
		 ON CONFLICT (token_id, expires_at, window_days) DO NOTHING`,
		n.ExpiresAt, n.WindowDays, n.SentAt, n.TenantID, n.TokenID)
}

// DigestTokens returns the tenant's user-owned tokens active at from that
// expire in (from, to], by owner, expiry and ID.
func (db *DB) DigestTokens(ctx context.Context, tenantID string, from, to time.Time) ([]*tokenmint.Token, error) {
	return db.queryTokens(ctx, "digest tokens",
		`SELECT `+tokenColumns+` FROM tokens t
		 WHERE t.tenant_id = $1 AND t.owner_kind = 'user' AND t.expires_at > $3 AND t.expires_at <= $2
		   AND `+activeAt3+`
		 ORDER BY t.owner_id, t.expires_at, t.id`,
		tenantID, to, from)
}

// RecordExpiryDigest records the digest and appends ev in one transaction;
// a digest recorded before changes nothing.
func (db *DB) RecordExpiryDigest(ctx context.Context, d tokenmint.ExpiryDigest, ev *tokenmint.Event) (bool, error) {
	var recorded bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`INSERT INTO expiry_digests (tenant_id, user_id, week_day, sent_at) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (tenant_id, user_id, week_day) DO NOTHING`,
			d.TenantID, d.UserID, d.WeekDay, d.SentAt)
		if sqlState(err) == codeForeignKeyViolation {
			return tokenmint.Errorf(tokenmint.ENOTFOUND, "tenant not found")
		}
		if err != nil {
			return err
		}
		if recorded = tag.RowsAffected() > 0; !recorded {
			return nil
		}
		return appendEvent(ctx, tx, ev)
	})
	return recorded, err
}

// ExpiryDays counts the tenant's tokens active at from expiring in (from,
// to] per UTC day of expiry.
func (db *DB) ExpiryDays(ctx context.Context, tenantID string, from, to time.Time) ([]tokenmint.DayCount, error) {
	rows, err := db.pool.Query(ctx,
		`SELECT floor(extract(epoch FROM t.expires_at) / 86400)::bigint AS day, count(*) FROM tokens t
		 WHERE t.tenant_id = $1 AND t.expires_at > $3 AND t.expires_at <= $2
		   AND `+activeAt3+`
		 GROUP BY day ORDER BY day`,
		tenantID, to, from)
	if err != nil {
		return nil, wrap("expiry days", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[tokenmint.DayCount])
	if err != nil {
		return nil, wrap("expiry days", err)
	}
	if out == nil {
		out = []tokenmint.DayCount{}
	}
	return out, nil
}
