package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tokenmint"
)

// usageBatchRetention is how long the ID of an applied usage batch is
// kept: far longer than any retry of a flush.
const usageBatchRetention = 7 * 24 * time.Hour

// RecordUsageOnce applies batch as RecordUsage does, unless a batch with
// batchID was applied already. The ID is inserted in the batch's own
// transaction, so it is stored exactly when the usage is: a flush whose
// commit succeeded but whose acknowledgement was lost, sent again with the
// same ID, changes nothing. IDs older than a week are dropped on the way
// (an empty ID is not recorded: the batch is simply applied).
func (db *DB) RecordUsageOnce(ctx context.Context, batchID string, batch []tokenmint.UsageRecord) error {
	if batchID == "" {
		return db.RecordUsage(ctx, batch)
	}
	if len(batch) == 0 {
		return nil
	}
	now := time.Now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO usage_batches (id, applied_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`,
			batchID, toMicro(now))
		if err != nil {
			return wrap("record usage batch", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap("record usage batch", err)
		} else if n == 0 {
			return nil // applied before
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM usage_batches WHERE applied_at < ?`, toMicro(now.Add(-usageBatchRetention))); err != nil {
			return wrap("record usage batch", err)
		}
		if err := recordUsage(ctx, tx, batch); err != nil {
			return err
		}
		return recordDailyCounts(ctx, tx, batch)
	})
}
