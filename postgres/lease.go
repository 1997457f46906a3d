package postgres

import (
	"context"
	"time"
)

// AcquireLease takes the named lease for holder until the given time when
// it is free, ran out, or is already holder's. The check and the write are
// one upsert: of two callers racing for a free lease, PostgreSQL makes the
// second wait for the first's insert and then re-checks its WHERE against
// that row, which no longer matches.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	tag, err := db.pool.Exec(ctx,
		`INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3)
		 ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
		 WHERE job_leases.until <= $4 OR job_leases.holder = EXCLUDED.holder`,
		name, holder, until, now)
	if err != nil {
		return false, wrap("acquire lease", err)
	}
	return tag.RowsAffected() == 1, nil
}
