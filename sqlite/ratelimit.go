package sqlite

import (
	"context"
	"time"
)

// CountAttempt counts one attempt against key in its window (see
// tokenmint.AttemptStore); one upsert on the single writer connection.
func (db *DB) CountAttempt(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	var count int
	var start int64
	err := db.write.QueryRowContext(ctx,
		`INSERT INTO attempts (key, window_start, count) VALUES (?1, ?2, 1)
		 ON CONFLICT (key) DO UPDATE SET
		   count = CASE WHEN attempts.window_start <= ?3 THEN 1 ELSE attempts.count + 1 END,
		   window_start = CASE WHEN attempts.window_start <= ?3 THEN ?2 ELSE attempts.window_start END
		 RETURNING count, window_start`,
		key, toMicro(now), toMicro(now.Add(-window))).Scan(&count, &start)
	if err != nil {
		return 0, time.Time{}, wrap("count attempt", err)
	}
	return count, fromMicro(start), nil
}

// UncountAttempt takes one attempt back from key's window that started at
// windowStart.
func (db *DB) UncountAttempt(ctx context.Context, key string, windowStart time.Time) error {
	_, err := db.write.ExecContext(ctx,
		`UPDATE attempts SET count = count - 1 WHERE key = ? AND window_start = ? AND count > 0`,
		key, toMicro(windowStart))
	return wrap("uncount attempt", err)
}

// ClearAttempts forgets the windows of every key starting with prefix.
func (db *DB) ClearAttempts(ctx context.Context, prefix string) error {
	_, err := db.write.ExecContext(ctx,
		`DELETE FROM attempts WHERE substr(key, 1, length(?1)) = ?1`, prefix)
	return wrap("clear attempts", err)
}

// PruneAttempts forgets the windows that started before before.
func (db *DB) PruneAttempts(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM attempts WHERE window_start < ?`, toMicro(before))
	if err != nil {
		return 0, wrap("prune attempts", err)
	}
	return res.RowsAffected()
}
