package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

const tokenRequestColumns = `id, tenant_id, requester_id, type, name, description, project_id,
	expiry_at, expiry_on, days_to_live, no_expiry, justification, status, decided_by, decided_at,
	reason, token_id, created_at, updated_at, expires_at, allowed_cidrs, rate_requests, rate_per_seconds`

// CreateTokenRequest stores a new request; an ID taken is ECONFLICT, an
// unknown tenant or requester ENOTFOUND.
func (db *DB) CreateTokenRequest(ctx context.Context, r *tokenmint.TokenRequest) error {
	rateRequests, ratePer := requestRateLimit(r.RateLimit)
	_, err := db.pool.Exec(ctx,
		`INSERT INTO token_requests (`+tokenRequestColumns+`)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		r.ID, r.TenantID, r.RequesterID, r.Type, r.Name, r.Description, r.ProjectID,
		r.Expiry.ExpiresAt, r.Expiry.ExpiresOn, r.Expiry.DaysToLive, r.Expiry.NoExpiry,
		r.Justification, r.Status, r.DecidedBy, r.DecidedAt, r.Reason, r.TokenID,
		r.CreatedAt, r.UpdatedAt, r.ExpiresAt, r.AllowedCIDRs.String(), rateRequests, ratePer)
	return writeErr(err, "token request", "create token request")
}

// TokenRequestByID returns the request with the ID in the tenant.
func (db *DB) TokenRequestByID(ctx context.Context, tenantID, id string) (*tokenmint.TokenRequest, error) {
	row := db.pool.QueryRow(ctx,
		`SELECT `+tokenRequestColumns+` FROM token_requests WHERE tenant_id = $1 AND id = $2`, tenantID, id)
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
		c.add("expires_at <= " + c.param(*f.ExpiresBy))
	}
	if f.Before != "" {
		c.add("id < " + c.param(f.Before))
	}
	rows, err := db.pool.Query(ctx,
		`SELECT `+tokenRequestColumns+` FROM token_requests`+c.where()+` ORDER BY id DESC LIMIT `+c.param(listLimit(f.Limit)),
		c.args...)
	if err != nil {
		return nil, wrap("list token requests", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.TokenRequest, error) {
		return scanTokenRequest(row)
	})
	if err != nil {
		return nil, wrap("list token requests", err)
	}
	return out, nil
}

// TransitionTokenRequest applies tr in one conditional UPDATE: under READ
// COMMITTED a concurrent UPDATE of the same row waits and then re-checks
// the condition, so of transitions from the same state exactly one applies.
func (db *DB) TransitionTokenRequest(ctx context.Context, tr tokenmint.RequestTransition) (bool, error) {
	var c conditions
	set := "status = " + c.param(tr.To) + ", updated_at = " + c.param(tr.At)
	if tr.Reason != "" {
		set += ", reason = " + c.param(tr.Reason)
	}
	if tr.TokenID != "" {
		set += ", token_id = " + c.param(tr.TokenID)
	}
	if tr.DecidedBy != "" {
		set += ", decided_by = " + c.param(tr.DecidedBy) + ", decided_at = " + c.param(tr.At)
	}
	if tr.ExpiresAt != nil {
		set += ", expires_at = " + c.param(*tr.ExpiresAt)
	}
	c.add("tenant_id = " + c.param(tr.TenantID))
	c.add("id = " + c.param(tr.ID))
	c.add("status = " + c.param(tr.From))
	if tr.WithTokenID != "" {
		c.add("token_id = " + c.param(tr.WithTokenID))
	}
	if tr.Lapsed {
		c.add("expires_at <= " + c.param(tr.At))
	} else {
		c.add("expires_at > " + c.param(tr.At))
	}
	tag, err := db.pool.Exec(ctx, `UPDATE token_requests SET `+set+c.where(), c.args...)
	if err != nil {
		return false, wrap("transition token request", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	// Nothing changed: tell a request that is gone from one that moved on.
	if _, err := db.TokenRequestByID(ctx, tr.TenantID, tr.ID); err != nil {
		return false, err
	}
	return false, nil
}

func scanTokenRequest(row pgx.Row) (*tokenmint.TokenRequest, error) {
	var r tokenmint.TokenRequest
	var days *int32
	var cidrs string
	var rateRequests, ratePer *int32
	if err := row.Scan(&r.ID, &r.TenantID, &r.RequesterID, &r.Type, &r.Name, &r.Description, &r.ProjectID,
		&r.Expiry.ExpiresAt, &r.Expiry.ExpiresOn, &days, &r.Expiry.NoExpiry, &r.Justification, &r.Status,
		&r.DecidedBy, &r.DecidedAt, &r.Reason, &r.TokenID, &r.CreatedAt, &r.UpdatedAt, &r.ExpiresAt,
		&cidrs, &rateRequests, &ratePer); err != nil {
		return nil, readErr(err, "token request", "read token request")
	}
	if days != nil {
		d := int(*days)
		r.Expiry.DaysToLive = &d
	}
	r.Expiry.ExpiresAt, r.Expiry.ExpiresOn, r.DecidedAt = utcPtr(r.Expiry.ExpiresAt), utcPtr(r.Expiry.ExpiresOn), utcPtr(r.DecidedAt)
	r.CreatedAt, r.UpdatedAt, r.ExpiresAt = utc(r.CreatedAt), utc(r.UpdatedAt), utc(r.ExpiresAt)
	var err error
	if r.AllowedCIDRs, err = tokenmint.ParseStoredCIDRs(cidrs); err != nil {
		return nil, fmt.Errorf("postgres: token request %s: allowed_cidrs: %w", r.ID, err)
	}
	if rateRequests != nil && ratePer != nil {
		r.RateLimit = tokenmint.RateLimit{Requests: int(*rateRequests), PerSeconds: int(*ratePer)}
	}
	return &r, nil
}

// requestRateLimit is a request's own rate limit as its two columns, both
// NULL for none.
func requestRateLimit(l tokenmint.RateLimit) (*int32, *int32) {
	if l.IsZero() {
		return nil, nil
	}
	n, per := int32(l.Requests), int32(l.PerSeconds)
	return &n, &per
}
