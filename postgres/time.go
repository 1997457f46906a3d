package postgres

import "time"

// pgx decodes timestamptz into the local time zone; the Store promises UTC.
// Times written are truncated to microseconds by pgx, the precision of
// timestamptz, so what is read back equals what was written at that
// precision.

// utc returns t in UTC.
func utc(t time.Time) time.Time { return t.UTC() }

// utcPtr returns an optional time in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
