package sqlite

import (
	"context"

	"tokenmint"
)

// statusExpr derives a token's state at the time bound to its one
// parameter, in the order of tokenmint.Token.Status: revoked, expired,
// exhausted, inactive, active. A token expiring exactly at that time is
// expired, as in Token.Status (!now.Before(expires)).
const statusExpr = `CASE
	WHEN t.status = 'revoked' THEN 'revoked'
	WHEN t.expires_at IS NOT NULL AND t.expires_at <= ? THEN 'expired'
	WHEN t.max_uses > 0 AND t.uses >= t.max_uses THEN 'exhausted'
	WHEN t.status = 'inactive' THEN 'inactive'
	ELSE 'active'
END`

// ListTokens returns the tokens matching every non-empty field of f, newest
// (greatest ID) first, at most f.Limit of them (defaultListLimit when 0).
// An empty TenantID lists every tenant, for the background jobs.
func (db *DB) ListTokens(ctx context.Context, f tokenmint.TokenFilter) ([]*tokenmint.Token, error) {
	var c conditions
	c.eq("t.tenant_id", f.TenantID)
	c.eq("t.owner_kind", f.OwnerKind)
	c.eq("t.owner_id", f.OwnerID)
	c.eq("t.type", f.Type)
	if f.Status != "" {
		if !tokenmint.ValidStatus(f.Status) {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "unknown token status %q", f.Status)
		}
		c.add("("+statusExpr+") = ?", toMicro(f.Now), f.Status)
	}
	if f.ExpiresBy != nil {
		c.add("t.expires_at > ? AND t.expires_at <= ?", toMicro(f.Now), toMicro(*f.ExpiresBy))
	}
	if f.IdleSince != nil {
		c.add("COALESCE(t.last_used_at, t.created_at) <= ?", toMicro(*f.IdleSince))
	}
	if f.NoExpiry {
		c.add("t.expires_at IS NULL")
	}
	if f.ExpiresFrom != nil {
		c.add("t.expires_at >= ?", toMicro(*f.ExpiresFrom))
	}
	if f.ExpiresBefore != nil {
		c.add("t.expires_at < ?", toMicro(*f.ExpiresBefore))
	}
	// The cursor is checked here, where every list of tokens passes, by
	// the domain's rule.
	if err := tokenmint.ValidateTokenCursor(f.Before); err != nil {
		return nil, err
	}
	if f.Before != "" {
		c.add("t.id < ?", f.Before)
	}
	q := `SELECT ` + tokenColumns + ` FROM tokens t` + c.where() + ` ORDER BY t.id DESC LIMIT ?`
	args := append(c.args, listLimit(f.Limit))

	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	defer rows.Close()
	tokens := []*tokenmint.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list tokens", err)
	}
	return tokens, nil
}
