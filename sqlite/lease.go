package sqlite

import (
	"context"
	"time"
)

// AcquireLease takes the named lease for holder until the given time when
// it is free, ran out, or is already holder's. The check and the write are
// one upsert, which SQLite runs under its write lock: of two callers racing
// for a free lease, the second finds the first's row and its WHERE fails.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx,
		`INSERT INTO job_leases (name, holder, until) VALUES (?, ?, ?)
		 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		 WHERE job_leases.until <= ? OR job_leases.holder = excluded.holder`,
		name, holder, toMicro(until), toMicro(now))
	if err != nil {
		return false, wrap("acquire lease", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("acquire lease", err)
	}
	return n == 1, nil
}
