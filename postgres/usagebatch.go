package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// RecordUsageOnce applies batch as RecordUsage does, unless a batch with
// batchID was applied already. The ID is inserted in the batch's own
// transaction, so it is stored exactly when the usage is: a flush whose
// commit succeeded but whose acknowledgement was lost, sent again with the
// same ID, changes nothing. When two instances send the same ID at once,
// the second INSERT waits for the first's commit and then finds the ID.
// IDs older than a week are dropped on the way (an empty ID is not
// recorded: the batch is simply applied).
func (db *DB) RecordUsageOnce(ctx context.Context, batchID string, batch []tokenmint.UsageRecord) error {
	if batchID == "" {
		return db.RecordUsage(ctx, batch)
	}
	if len(batch) == 0 {
		return nil
	}
	sorted := slices.Clone(batch)
	slices.SortFunc(sorted, func(a, b tokenmint.UsageRecord) int {
		return cmp.Or(cmp.Compare(a.TokenID, b.TokenID), cmp.Compare(a.IP, b.IP))
	})
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`INSERT INTO usage_batches (id, applied_at) VALUES ($1, now()) ON CONFLICT (id) DO NOTHING`, batchID)
		if err != nil {
			return wrap("record usage batch", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // applied before
		}
		if _, err := tx.Exec(ctx,
			`DELETE FROM usage_batches WHERE applied_at < now() - interval '7 days'`); err != nil {
			return wrap("record usage batch", err)
		}
		if err := recordUsage(ctx, tx, sorted); err != nil {
			return err
		}
		return recordDailyCounts(ctx, tx, sorted)
	})
}
