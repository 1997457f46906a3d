package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// activeInTenant selects the active tokens of the tenant $1 at the time $2.
var activeInTenant = `t.tenant_id = $1 AND (` + fmt.Sprintf(statusExpr, "$2::timestamptz") + `) = 'active'`

// Dashboard computes a tenant's figures with four aggregate queries: the
// counts of active tokens, active tokens per type, the busiest tokens and
// applications from the daily counts, and the failed verifications.
func (db *DB) Dashboard(ctx context.Context, q tokenmint.DashboardQuery) (*tokenmint.Dashboard, error) {
	d := &tokenmint.Dashboard{}
	err := db.pool.QueryRow(ctx,
		`SELECT count(*),
		   count(*) FILTER (WHERE t.expires_at > $2 AND t.expires_at <= $3),
		   count(*) FILTER (WHERE COALESCE(t.last_used_at, t.created_at) <= $4),
		   count(*) FILTER (WHERE t.expires_at IS NULL)
		 FROM tokens t WHERE `+activeInTenant,
		q.TenantID, q.Now, q.ExpiresBy, q.IdleSince).
		Scan(&d.Active, &d.Expiring, &d.Unused, &d.NoExpiry)
	if err != nil {
		return nil, wrap("dashboard", err)
	}
	rows, err := db.pool.Query(ctx,
		`SELECT t.type, count(*) FROM tokens t WHERE `+activeInTenant+` GROUP BY t.type ORDER BY t.type COLLATE "C"`,
		q.TenantID, q.Now)
	if err != nil {
		return nil, wrap("dashboard", err)
	}
	if d.PerType, err = pgx.CollectRows(rows, pgx.RowToStructByPos[tokenmint.TypeCount]); err != nil {
		return nil, wrap("dashboard", err)
	}
	rows, err = db.pool.Query(ctx,
		`SELECT t.id, t.name, t.type, t.owner_kind, t.owner_id, COALESCE(u.username, a.name, ''), b.uses
		 FROM (SELECT token_id, SUM(count)::bigint AS uses FROM token_usage_daily
		       WHERE tenant_id = $1 AND day >= $2 GROUP BY token_id) b
		 JOIN tokens t ON t.id = b.token_id
		 LEFT JOIN users u ON t.owner_kind = 'user' AND u.id = t.owner_id
		 LEFT JOIN applications a ON t.owner_kind = 'application' AND a.id = t.owner_id
		 WHERE b.uses > 0
		 ORDER BY b.uses DESC, t.id LIMIT $3`,
		q.TenantID, q.BusySinceDay, q.Top)
	if err != nil {
		return nil, wrap("dashboard", err)
	}
	if d.BusiestTokens, err = pgx.CollectRows(rows, pgx.RowToStructByPos[tokenmint.BusyToken]); err != nil {
		return nil, wrap("dashboard", err)
	}
	rows, err = db.pool.Query(ctx,
		`SELECT a.id, a.name, SUM(d.count)::bigint AS uses
		 FROM token_usage_daily d
		 JOIN tokens t ON t.id = d.token_id AND t.owner_kind = 'application'
		 JOIN applications a ON a.id = t.owner_id AND a.tenant_id = t.tenant_id
		 WHERE d.tenant_id = $1 AND d.day >= $2
		 GROUP BY a.id, a.name HAVING SUM(d.count) > 0
		 ORDER BY uses DESC, a.id LIMIT $3`,
		q.TenantID, q.BusySinceDay, q.Top)
	if err != nil {
		return nil, wrap("dashboard", err)
	}
	if d.BusiestApplications, err = pgx.CollectRows(rows, pgx.RowToStructByPos[tokenmint.BusyApplication]); err != nil {
		return nil, wrap("dashboard", err)
	}
	if d.Failed, err = db.queryDays(ctx, "dashboard",
		`SELECT day, count FROM verify_failures_daily WHERE tenant_id = $1 AND day >= $2 ORDER BY day`,
		q.TenantID, q.FailedSinceDay); err != nil {
		return nil, err
	}
	if d.PerType == nil {
		d.PerType = []tokenmint.TypeCount{}
	}
	if d.BusiestTokens == nil {
		d.BusiestTokens = []tokenmint.BusyToken{}
	}
	if d.BusiestApplications == nil {
		d.BusiestApplications = []tokenmint.BusyApplication{}
	}
	return d, nil
}
