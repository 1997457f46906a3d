package sqlite

import (
	"context"
	"fmt"

	"tokenmint"
)

// subjectTable is the table that holds a rate limit subject of a kind.
func subjectTable(kind string) (string, error) {
	switch kind {
	case tokenmint.RateSubjectToken:
		return "tokens", nil
	case tokenmint.RateSubjectUser:
		return "users", nil
	case tokenmint.RateSubjectApplication:
		return "applications", nil
	}
	return "", tokenmint.Errorf(tokenmint.EINVALID, "unknown rate limit subject kind %q", kind)
}

// PutRateLimit creates or replaces the limit of a token, user or
// application of the tenant (ENOTFOUND when there is no such subject).
func (db *DB) PutRateLimit(ctx context.Context, l *tokenmint.StoredRateLimit) error {
	table, err := subjectTable(l.Kind)
	if err != nil {
		return err
	}
	// INSERT ... SELECT inserts nothing for a subject not in the tenant.
	res, err := db.write.ExecContext(ctx, fmt.Sprintf(
		`INSERT INTO rate_limits (tenant_id, subject_kind, subject_id, requests, per_seconds, updated_at)
		 SELECT tenant_id, ?, id, ?, ?, ? FROM %s WHERE tenant_id = ? AND id = ?
		 ON CONFLICT (tenant_id, subject_kind, subject_id)
		 DO UPDATE SET requests = excluded.requests, per_seconds = excluded.per_seconds, updated_at = excluded.updated_at`, table),
		l.Kind, l.Limit.Requests, l.Limit.PerSeconds, toMicro(l.UpdatedAt), l.TenantID, l.ID)
	if err != nil {
		return wrap("put rate limit", err)
	}
	return checkAffected(res, l.Kind, "put rate limit")
}

// DeleteRateLimit removes the subject's limit; none is no error.
func (db *DB) DeleteRateLimit(ctx context.Context, s tokenmint.RateLimitSubject) error {
	_, err := db.write.ExecContext(ctx,
		`DELETE FROM rate_limits WHERE tenant_id = ? AND subject_kind = ? AND subject_id = ?`, s.TenantID, s.Kind, s.ID)
	return wrap("delete rate limit", err)
}

// RateLimitOf returns the subject's limit (ENOTFOUND: none).
func (db *DB) RateLimitOf(ctx context.Context, s tokenmint.RateLimitSubject) (*tokenmint.StoredRateLimit, error) {
	l := &tokenmint.StoredRateLimit{RateLimitSubject: s}
	var updated int64
	err := db.read.QueryRowContext(ctx,
		`SELECT requests, per_seconds, updated_at FROM rate_limits WHERE tenant_id = ? AND subject_kind = ? AND subject_id = ?`,
		s.TenantID, s.Kind, s.ID).Scan(&l.Limit.Requests, &l.Limit.PerSeconds, &updated)
	if err != nil {
		return nil, readErr(err, "rate limit", "rate limit")
	}
	l.UpdatedAt = fromMicro(updated)
	return l, nil
}

const rateLimitsOfSQL = `SELECT subject_kind, requests, per_seconds FROM rate_limits
	 WHERE tenant_id = ? AND ((subject_kind = 'token' AND subject_id = ?) OR (subject_kind = ? AND subject_id = ?))`

// RateLimitsOf returns the limits of a token and of its owner in one read.
func (db *DB) RateLimitsOf(ctx context.Context, tenantID, tokenID, ownerKind, ownerID string) (tok, owner tokenmint.RateLimit, err error) {
	rows, err := db.readQuery(ctx, rateLimitsOfSQL, tenantID, tokenID, ownerKind, ownerID)
	if err != nil {
		return tok, owner, wrap("rate limits", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var l tokenmint.RateLimit
		if err := rows.Scan(&kind, &l.Requests, &l.PerSeconds); err != nil {
			return tok, owner, wrap("rate limits", err)
		}
		if kind == tokenmint.RateSubjectToken {
			tok = l
		} else {
			owner = l
		}
	}
	return tok, owner, wrap("rate limits", rows.Err())
}
