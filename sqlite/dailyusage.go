package sqlite

import (
	"context"
	"database/sql"

	"tokenmint"
)

// recordDailyCounts adds a usage batch to the daily counts within tx, the
// batch's own transaction: one upsert per token and UTC day, one per
// tenant and day of failed verifications (tokenmint.DailyCounts).
// Tokens no longer in the record's tenant are skipped, as in recordUsage.
func recordDailyCounts(ctx context.Context, tx *sql.Tx, batch []tokenmint.UsageRecord) error {
	uses, failed := tokenmint.DailyCounts(batch)
	if len(uses) > 0 {
		st, err := tx.PrepareContext(ctx,
			`INSERT INTO token_usage_daily (token_id, tenant_id, day, count)
			 SELECT id, tenant_id, ?, ? FROM tokens WHERE id = ? AND tenant_id = ?
			 ON CONFLICT (token_id, day) DO UPDATE SET count = count + excluded.count`)
		if err != nil {
			return wrap("record daily usage", err)
		}
		defer st.Close()
		for _, u := range uses {
			if _, err := st.ExecContext(ctx, u.Day, u.Count, u.TokenID, u.TenantID); err != nil {
				return wrap("record daily usage", err)
			}
		}
	}
	for _, f := range failed {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO verify_failures_daily (tenant_id, day, count)
			 SELECT id, ?, ? FROM tenants WHERE id = ?
			 ON CONFLICT (tenant_id, day) DO UPDATE SET count = count + excluded.count`,
			f.Day, f.Count, f.TenantID); err != nil {
			return wrap("record failed verifications", err)
		}
	}
	return nil
}

// TokenDailyUses returns the token's days with uses in [fromDay, toDay].
func (db *DB) TokenDailyUses(ctx context.Context, tenantID, tokenID string, fromDay, toDay int64) ([]tokenmint.DayCount, error) {
	var one int
	err := db.read.QueryRowContext(ctx,
		`SELECT 1 FROM tokens WHERE tenant_id = ? AND id = ?`, tenantID, tokenID).Scan(&one)
	if err != nil {
		return nil, readErr(err, "token", "daily usage")
	}
	return queryDays(ctx, db.read, "daily usage",
		`SELECT day, count FROM token_usage_daily WHERE token_id = ? AND day >= ? AND day <= ? ORDER BY day`,
		tokenID, fromDay, toDay)
}

// PruneDailyCounts deletes the daily counts of days before beforeDay.
func (db *DB) PruneDailyCounts(ctx context.Context, beforeDay int64) (int64, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM token_usage_daily WHERE day < ?`,
			`DELETE FROM verify_failures_daily WHERE day < ?`,
		} {
			res, err := tx.ExecContext(ctx, q, beforeDay)
			if err != nil {
				return wrap("prune daily counts", err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return wrap("prune daily counts", err)
			}
			n += k
		}
		return nil
	})
	return n, err
}

// queryDays reads (day, count) rows.
func queryDays(ctx context.Context, q *sql.DB, op, query string, args ...any) ([]tokenmint.DayCount, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []tokenmint.DayCount{}
	for rows.Next() {
		var d tokenmint.DayCount
		if err := rows.Scan(&d.Day, &d.Count); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}
