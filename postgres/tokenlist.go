package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// defaultListLimit is how many rows a list returns when the filter sets no
// limit, so an unbounded request cannot read a whole table at once.
const defaultListLimit = 100

// statusExpr derives a token's state at the time given as the parameter
// %s, in the order of tokenmint.Token.Status: revoked, expired, exhausted,
// inactive, active. A token expiring exactly at that time is expired, as
// in Token.Status (!now.Before(expires)).
const statusExpr = `CASE
	WHEN t.status = 'revoked' THEN 'revoked'
	WHEN t.expires_at IS NOT NULL AND t.expires_at <= %s THEN 'expired'
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
	// param adds a query argument and returns its placeholder.
	param := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.TenantID != "" {
		where = append(where, "t.tenant_id = "+param(f.TenantID))
	}
	if f.OwnerKind != "" {
		where = append(where, "t.owner_kind = "+param(f.OwnerKind))
	}
	if f.OwnerID != "" {
		where = append(where, "t.owner_id = "+param(f.OwnerID))
	}
	if f.Type != "" {
		where = append(where, "t.type = "+param(f.Type))
	}
	if f.Status != "" {
		if !tokenmint.ValidStatus(f.Status) {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "unknown token status %q", f.Status)
		}
		now := param(f.Now)
		where = append(where, "("+fmt.Sprintf(statusExpr, now+"::timestamptz")+") = "+param(f.Status))
	}
	if f.Before != "" {
		where = append(where, "t.id < "+param(f.Before))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}

	q := `SELECT ` + tokenColumns + ` FROM tokens t`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY t.id DESC LIMIT ` + param(limit)

	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	tokens, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Token, error) {
		return scanToken(row)
	})
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	if tokens == nil {
		tokens = []*tokenmint.Token{}
	}
	return tokens, nil
}
