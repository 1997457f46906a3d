package postgres

import (
	"context"
	"time"

	"tokenmint"
)

// AddRateCounts adds every instance-local count to its shared (key,
// window) row with one statement and returns the totals after the
// addition, in the order of counts. It is the only database work of rate
// limiting across instances, done by each instance once per sync
// interval for the keys that saw traffic, never per request.
func (db *DB) AddRateCounts(ctx context.Context, counts []tokenmint.RateCount) ([]int64, error) {
	if len(counts) == 0 {
		return nil, nil
	}
	keys := make([]string, len(counts))
	windows := make([]time.Time, len(counts))
	deltas := make([]int64, len(counts))
	for i, c := range counts {
		keys[i], windows[i], deltas[i] = c.Key, c.Window, c.Delta
	}
	// The input's ordinality orders the answer; rows are locked in key
	// order so two instances' batches never deadlock.
	rows, err := db.pool.Query(ctx,
		`WITH input AS (
			SELECT k, w, d, ord FROM unnest($1::text[], $2::timestamptz[], $3::bigint[]) WITH ORDINALITY AS t(k, w, d, ord)
		), upserted AS (
			INSERT INTO rate_counts AS r (key, window_start, count)
			SELECT k, w, sum(d) FROM input GROUP BY k, w ORDER BY k, w
			ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + excluded.count
			RETURNING key, window_start, count
		)
		SELECT u.count FROM input i JOIN upserted u ON u.key = i.k AND u.window_start = i.w ORDER BY i.ord`,
		keys, windows, deltas)
	if err != nil {
		return nil, wrap("add rate counts", err)
	}
	defer rows.Close()
	out := make([]int64, 0, len(counts))
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, wrap("add rate counts", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("add rate counts", err)
	}
	if len(out) != len(counts) {
		return nil, tokenmint.Errorf(tokenmint.EINTERNAL, "add rate counts: %d totals for %d counts", len(out), len(counts))
	}
	return out, nil
}

// PruneRateCounts deletes the rows of windows that started before t.
func (db *DB) PruneRateCounts(ctx context.Context, before time.Time) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM rate_counts WHERE window_start < $1`, before)
	return wrap("prune rate counts", err)
}
