package sqlite

import (
	"context"
	"strings"

	"tokenmint"
)

// defaultListLimit is how many rows a list returns when the filter sets no
// limit, so an unbounded request cannot read a whole table at once.
const defaultListLimit = 100

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
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.TenantID != "" {
		add("t.tenant_id = ?", f.TenantID)
	}
	if f.OwnerKind != "" {
		add("t.owner_kind = ?", f.OwnerKind)
	}
	if f.OwnerID != "" {
		add("t.owner_id = ?", f.OwnerID)
	}
	if f.Type != "" {
		add("t.type = ?", f.Type)
	}
	if f.Status != "" {
		if !tokenmint.ValidStatus(f.Status) {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "unknown token status %q", f.Status)
		}
		where = append(where, "("+statusExpr+") = ?")
		args = append(args, toMicro(f.Now), f.Status)
	}
	if f.Before != "" {
		add("t.id < ?", f.Before)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}

	q := `SELECT ` + tokenColumns + ` FROM tokens t`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY t.id DESC LIMIT ?`
	args = append(args, limit)

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
