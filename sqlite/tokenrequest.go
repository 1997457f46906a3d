package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"tokenmint"
)

const tokenRequestColumns = `id, tenant_id, requester_id, type, name, description, project_id,
	expiry_at, expiry_on, days_to_live, no_expiry, justification, status, decided_by, decided_at,
	reason, token_id, created_at, updated_at, expires_at, allowed_cidrs, rate_requests, rate_per_seconds`

// CreateTokenRequest stores a new request; an ID taken is ECONFLICT, an
// unknown tenant or requester ENOTFOUND.
func (db *DB) CreateTokenRequest(ctx context.Context, r *tokenmint.TokenRequest) error {
	var days sql.NullInt64
	if r.Expiry.DaysToLive != nil {
		days = sql.NullInt64{Int64: int64(*r.Expiry.DaysToLive), Valid: true}
	}
	rateRequests, ratePer := requestRateLimit(r.RateLimit)
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO token_requests (`+tokenRequestColumns+`)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.TenantID, r.RequesterID, r.Type, r.Name, r.Description, r.ProjectID,
		toNullMicro(r.Expiry.ExpiresAt), toNullMicro(r.Expiry.ExpiresOn), days, r.Expiry.NoExpiry,
		r.Justification, r.Status, r.DecidedBy, toNullMicro(r.DecidedAt), r.Reason, r.TokenID,
		toMicro(r.CreatedAt), toMicro(r.UpdatedAt), toMicro(r.ExpiresAt),
		r.AllowedCIDRs.String(), rateRequests, ratePer)
	return writeErr(err, "token request", "create token request")
}

// TokenRequestByID returns the request with the ID in the tenant.
func (db *DB) TokenRequestByID(ctx context.Context, tenantID, id string) (*tokenmint.TokenRequest, error) {
	row := db.read.QueryRowContext(ctx,
		`SELECT `+tokenRequestColumns+` FROM token_requests WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return scanTokenRequest(row)
}

// ListTokenRequests returns the requests matching f, newest (greatest ID)
// first.
func (db *DB) ListTokenRequests(ctx context.Context, f tokenmint.TokenRequestFilter) ([]*tokenmint.TokenRequest, error) {
	var c conditions
	c.eq("tenant_id", f.TenantID)
	c.eq("requester_id", f.RequesterID)
	c.eq("status", f.Status)
	if f.ExpiresBy != nil {
		c.add("expires_at <= ?", toMicro(*f.ExpiresBy))
	}
	if f.Before != "" {
		c.add("id < ?", f.Before)
	}
	rows, err := db.read.QueryContext(ctx,
		`SELECT `+tokenRequestColumns+` FROM token_requests`+c.where()+` ORDER BY id DESC LIMIT ?`,
		append(c.args, listLimit(f.Limit))...)
	if err != nil {
		return nil, wrap("list token requests", err)
	}
	defer rows.Close()
	out := []*tokenmint.TokenRequest{}
	for rows.Next() {
		r, err := scanTokenRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list token requests", err)
	}
	return out, nil
}

// TransitionTokenRequest applies tr in one conditional UPDATE, so of
// concurrent transitions from the same state exactly one applies.
func (db *DB) TransitionTokenRequest(ctx context.Context, tr tokenmint.RequestTransition) (bool, error) {
	timeCond := "expires_at > ?"
	if tr.Lapsed {
		timeCond = "expires_at <= ?"
	}
	set := `status = ?, updated_at = ?, reason = CASE WHEN ? <> '' THEN ? ELSE reason END,
		token_id = CASE WHEN ? <> '' THEN ? ELSE token_id END`
	args := []any{tr.To, toMicro(tr.At), tr.Reason, tr.Reason, tr.TokenID, tr.TokenID}
	if tr.DecidedBy != "" {
		set += `, decided_by = ?, decided_at = ?`
		args = append(args, tr.DecidedBy, toMicro(tr.At))
	}
	if tr.ExpiresAt != nil {
		set += `, expires_at = ?`
		args = append(args, toMicro(*tr.ExpiresAt))
	}
	args = append(args, tr.TenantID, tr.ID, tr.From, toMicro(tr.At))
	if tr.WithTokenID != "" {
		timeCond += " AND token_id = ?"
		args = append(args, tr.WithTokenID)
	}
	res, err := db.write.ExecContext(ctx,
		`UPDATE token_requests SET `+set+` WHERE tenant_id = ? AND id = ? AND status = ? AND `+timeCond, args...)
	if err != nil {
		return false, wrap("transition token request", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("transition token request", err)
	}
	if n == 1 {
		return true, nil
	}
	// Nothing changed: tell a request that is gone from one that moved on.
	if _, err := db.TokenRequestByID(ctx, tr.TenantID, tr.ID); err != nil {
		return false, err
	}
	return false, nil
}

func scanTokenRequest(s scanner) (*tokenmint.TokenRequest, error) {
	var r tokenmint.TokenRequest
	var expAt, expOn, decided sql.NullInt64
	var days sql.NullInt64
	var created, updated, expires int64
	var cidrs string
	var rateRequests, ratePer sql.NullInt64
	if err := s.Scan(&r.ID, &r.TenantID, &r.RequesterID, &r.Type, &r.Name, &r.Description, &r.ProjectID,
		&expAt, &expOn, &days, &r.Expiry.NoExpiry, &r.Justification, &r.Status, &r.DecidedBy, &decided,
		&r.Reason, &r.TokenID, &created, &updated, &expires, &cidrs, &rateRequests, &ratePer); err != nil {
		return nil, readErr(err, "token request", "read token request")
	}
	r.Expiry.ExpiresAt, r.Expiry.ExpiresOn, r.DecidedAt = fromNullMicro(expAt), fromNullMicro(expOn), fromNullMicro(decided)
	if days.Valid {
		d := int(days.Int64)
		r.Expiry.DaysToLive = &d
	}
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = fromMicro(created), fromMicro(updated), fromMicro(expires)
	var err error
	if r.AllowedCIDRs, err = tokenmint.ParseStoredCIDRs(cidrs); err != nil {
		return nil, fmt.Errorf("sqlite: token request %s: allowed_cidrs: %w", r.ID, err)
	}
	if rateRequests.Valid && ratePer.Valid {
		r.RateLimit = tokenmint.RateLimit{Requests: int(rateRequests.Int64), PerSeconds: int(ratePer.Int64)}
	}
	return &r, nil
}

// requestRateLimit is a request's own rate limit as its two columns, both
// NULL for none.
func requestRateLimit(l tokenmint.RateLimit) (sql.NullInt64, sql.NullInt64) {
	if l.IsZero() {
		return sql.NullInt64{}, sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(l.Requests), Valid: true}, sql.NullInt64{Int64: int64(l.PerSeconds), Valid: true}
}
