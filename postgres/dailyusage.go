package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// recordDailyCounts adds a usage batch to the daily counts within tx, the
// batch's own transaction: one upsert per token and UTC day, one per
// tenant and day of failed verifications (tokenmint.DailyCounts), sent in
// one round trip. The rows come sorted, so flushes of several instances
// lock them in the same order. Tokens no longer in the record's tenant
// are skipped, as in recordUsage.
func recordDailyCounts(ctx context.Context, tx pgx.Tx, batch []tokenmint.UsageRecord) error {
	uses, failed := tokenmint.DailyCounts(batch)
	if len(uses) == 0 && len(failed) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, u := range uses {
		b.Queue(`INSERT INTO token_usage_daily (token_id, tenant_id, day, count)
			 SELECT id, tenant_id, $3::integer, $4::bigint FROM tokens WHERE id = $1 AND tenant_id = $2
			 ON CONFLICT (token_id, day) DO UPDATE SET count = token_usage_daily.count + EXCLUDED.count`,
			u.TokenID, u.TenantID, u.Day, u.Count)
	}
	for _, f := range failed {
		b.Queue(`INSERT INTO verify_failures_daily (tenant_id, day, count)
			 SELECT id, $2::integer, $3::bigint FROM tenants WHERE id = $1
			 ON CONFLICT (tenant_id, day) DO UPDATE SET count = verify_failures_daily.count + EXCLUDED.count`,
			f.TenantID, f.Day, f.Count)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return wrap("record daily counts", err)
	}
	return nil
}

// TokenDailyUses returns the token's days with uses in [fromDay, toDay].
func (db *DB) TokenDailyUses(ctx context.Context, tenantID, tokenID string, fromDay, toDay int64) ([]tokenmint.DayCount, error) {
	var one int
	err := db.pool.QueryRow(ctx,
		`SELECT 1 FROM tokens WHERE tenant_id = $1 AND id = $2`, tenantID, tokenID).Scan(&one)
	if err != nil {
		return nil, readErr(err, "token", "daily usage")
	}
	return db.queryDays(ctx, "daily usage",
		`SELECT day, count FROM token_usage_daily WHERE token_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`,
		tokenID, fromDay, toDay)
}

// PruneDailyCounts deletes the daily counts of days before beforeDay.
func (db *DB) PruneDailyCounts(ctx context.Context, beforeDay int64) (int64, error) {
	var n int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		n = 0 // a retried transaction counts afresh
		for _, q := range []string{
			`DELETE FROM token_usage_daily WHERE day < $1`,
			`DELETE FROM verify_failures_daily WHERE day < $1`,
		} {
			tag, err := tx.Exec(ctx, q, beforeDay)
			if err != nil {
				return wrap("prune daily counts", err)
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	return n, err
}

// queryDays reads (day, count) rows.
func (db *DB) queryDays(ctx context.Context, op, query string, args ...any) ([]tokenmint.DayCount, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tokenmint.DayCount, error) {
		var d tokenmint.DayCount
		var day int32
		err := row.Scan(&day, &d.Count)
		d.Day = int64(day)
		return d, err
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	if out == nil {
		out = []tokenmint.DayCount{}
	}
	return out, nil
}
