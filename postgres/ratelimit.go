package postgres

import (
	"context"
	"time"
)

// CountAttempt counts one attempt against key in its window (see
// tokenmint.AttemptStore). One upsert: the row lock serialises concurrent
// instances, so no count is lost and the limit holds across them.
func (db *DB) CountAttempt(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	var count int
	var start time.Time
	err := db.pool.QueryRow(ctx,
		`INSERT INTO attempts (key, window_start, count) VALUES ($1, $2, 1)
		 ON CONFLICT (key) DO UPDATE SET
		   count = CASE WHEN attempts.window_start <= $3 THEN 1 ELSE attempts.count + 1 END,
		   window_start = CASE WHEN attempts.window_start <= $3 THEN $2 ELSE attempts.window_start END
		 RETURNING count, window_start`,
		key, now, now.Add(-window)).Scan(&count, &start)
	if err != nil {
		return 0, time.Time{}, wrap("count attempt", err)
	}
	return count, utc(start), nil
}

// UncountAttempt takes one attempt back from key's window that started at
// windowStart.
func (db *DB) UncountAttempt(ctx context.Context, key string, windowStart time.Time) error {
	_, err := db.pool.Exec(ctx,
		`UPDATE attempts SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0`,
		key, windowStart)
	return wrap("uncount attempt", err)
}

// ClearAttempts forgets the windows of every key starting with prefix.
func (db *DB) ClearAttempts(ctx context.Context, prefix string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM attempts WHERE left(key, length($1)) = $1`, prefix)
	return wrap("clear attempts", err)
}

// PruneAttempts forgets the windows that started before before.
func (db *DB) PruneAttempts(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM attempts WHERE window_start < $1`, before)
	if err != nil {
		return 0, wrap("prune attempts", err)
	}
	return tag.RowsAffected(), nil
}
