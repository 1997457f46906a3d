package sqlite

import (
	"context"

	"tokenmint"
)

// Dashboard computes a tenant's figures with four aggregate queries: the
// counts of active tokens, active tokens per type, the busiest tokens and
// applications from the daily counts, and the failed verifications.
func (db *DB) Dashboard(ctx context.Context, q tokenmint.DashboardQuery) (*tokenmint.Dashboard, error) {
	now := toMicro(q.Now)
	active := `t.tenant_id = ? AND (` + statusExpr + `) = 'active'`
	d := &tokenmint.Dashboard{PerType: []tokenmint.TypeCount{}}
	err := db.read.QueryRowContext(ctx,
		`SELECT COUNT(*),
		   COALESCE(SUM(CASE WHEN t.expires_at > ? AND t.expires_at <= ? THEN 1 ELSE 0 END), 0),
		   COALESCE(SUM(CASE WHEN COALESCE(t.last_used_at, t.created_at) <= ? THEN 1 ELSE 0 END), 0),
		   COALESCE(SUM(CASE WHEN t.expires_at IS NULL THEN 1 ELSE 0 END), 0)
		 FROM tokens t WHERE `+active,
		now, toMicro(q.ExpiresBy), toMicro(q.IdleSince), q.TenantID, now).
		Scan(&d.Active, &d.Expiring, &d.Unused, &d.NoExpiry)
	if err != nil {
		return nil, wrap("dashboard", err)
	}

	rows, err := db.read.QueryContext(ctx,
		`SELECT t.type, COUNT(*) FROM tokens t WHERE `+active+` GROUP BY t.type ORDER BY t.type`,
		q.TenantID, now)
	if err != nil {
		return nil, wrap("dashboard", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c tokenmint.TypeCount
		if err := rows.Scan(&c.Type, &c.Count); err != nil {
			return nil, wrap("dashboard", err)
		}
		d.PerType = append(d.PerType, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("dashboard", err)
	}

	if d.BusiestTokens, err = db.busiestTokens(ctx, q); err != nil {
		return nil, err
	}
	if d.BusiestApplications, err = db.busiestApplications(ctx, q); err != nil {
		return nil, err
	}
	d.Failed, err = queryDays(ctx, db.read, "dashboard",
		`SELECT day, count FROM verify_failures_daily WHERE tenant_id = ? AND day >= ? ORDER BY day`,
		q.TenantID, q.FailedSinceDay)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// busiestTokens ranks the tenant's tokens by their uses since
// q.BusySinceDay.
func (db *DB) busiestTokens(ctx context.Context, q tokenmint.DashboardQuery) ([]tokenmint.BusyToken, error) {
	rows, err := db.read.QueryContext(ctx,
		`SELECT t.id, t.name, t.type, t.owner_kind, t.owner_id, COALESCE(u.username, a.name, ''), b.uses
		 FROM (SELECT token_id, SUM(count) AS uses FROM token_usage_daily
		       WHERE tenant_id = ? AND day >= ? GROUP BY token_id) b
		 JOIN tokens t ON t.id = b.token_id
		 LEFT JOIN users u ON t.owner_kind = 'user' AND u.id = t.owner_id
		 LEFT JOIN applications a ON t.owner_kind = 'application' AND a.id = t.owner_id
		 WHERE b.uses > 0
		 ORDER BY b.uses DESC, t.id LIMIT ?`,
		q.TenantID, q.BusySinceDay, q.Top)
	if err != nil {
		return nil, wrap("dashboard", err)
	}
	defer rows.Close()
	out := []tokenmint.BusyToken{}
	for rows.Next() {
		var b tokenmint.BusyToken
		if err := rows.Scan(&b.ID, &b.Name, &b.Type, &b.OwnerKind, &b.OwnerID, &b.OwnerName, &b.Uses); err != nil {
			return nil, wrap("dashboard", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("dashboard", err)
	}
	return out, nil
}

// busiestApplications ranks the tenant's applications by the uses of
// their tokens since q.BusySinceDay.
func (db *DB) busiestApplications(ctx context.Context, q tokenmint.DashboardQuery) ([]tokenmint.BusyApplication, error) {
	rows, err := db.read.QueryContext(ctx,
		`SELECT a.id, a.name, SUM(d.count) AS uses
		 FROM token_usage_daily d
		 JOIN tokens t ON t.id = d.token_id AND t.owner_kind = 'application'
		 JOIN applications a ON a.id = t.owner_id AND a.tenant_id = t.tenant_id
		 WHERE d.tenant_id = ? AND d.day >= ?
		 GROUP BY a.id, a.name HAVING SUM(d.count) > 0
		 ORDER BY uses DESC, a.id LIMIT ?`,
		q.TenantID, q.BusySinceDay, q.Top)
	if err != nil {
		return nil, wrap("dashboard", err)
	}
	defer rows.Close()
	out := []tokenmint.BusyApplication{}
	for rows.Next() {
		var b tokenmint.BusyApplication
		if err := rows.Scan(&b.ID, &b.Name, &b.Uses); err != nil {
			return nil, wrap("dashboard", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("dashboard", err)
	}
	return out, nil
}
