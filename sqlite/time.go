package sqlite

import (
	"database/sql"
	"time"
)

// Times are stored as INTEGER unix microseconds in UTC: integers compare
// and sort exactly in SQL (status derivation, filters) without parsing, and
// microseconds match the precision PostgreSQL keeps.

// toMicro encodes t for storage.
func toMicro(t time.Time) int64 { return t.UnixMicro() }

// fromMicro decodes a stored time.
func fromMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

// toNullMicro encodes an optional time: nil becomes NULL.
func toNullMicro(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// fromNullMicro decodes an optional time.
func fromNullMicro(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicro(n.Int64)
	return &t
}
