package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// BlockIP adds a block to a token of the tenant; an existing block stays as
// it is.
func (db *DB) BlockIP(ctx context.Context, b *tokenmint.IPBlock) error {
	return db.announced(ctx, func(q execer) error {
		// INSERT ... SELECT inserts nothing for a token not in the tenant.
		tag, err := q.Exec(ctx,
			`INSERT INTO token_blocked_ips (token_id, prefix, created_at)
			 SELECT id, $1::text, $2::timestamptz FROM tokens WHERE tenant_id = $3 AND id = $4
			 ON CONFLICT (token_id, prefix) DO NOTHING`,
			b.Prefix, b.CreatedAt, b.TenantID, b.TokenID)
		if err != nil {
			return wrap("block ip", err)
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		var one int
		err = q.QueryRow(ctx, `SELECT 1 FROM tokens WHERE tenant_id = $1 AND id = $2`, b.TenantID, b.TokenID).Scan(&one)
		return readErr(err, "token", "block ip")
	})
}

// UnblockIP removes a block of a token of the tenant.
func (db *DB) UnblockIP(ctx context.Context, tenantID, tokenID, prefix string) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`DELETE FROM token_blocked_ips WHERE prefix = $1
			   AND token_id = (SELECT id FROM tokens WHERE tenant_id = $2 AND id = $3)`,
			prefix, tenantID, tokenID)
		if err != nil {
			return wrap("unblock ip", err)
		}
		return checkAffected(tag, "blocked IP")
	})
}

// BlockedIPs lists a token's blocks, oldest first.
func (db *DB) BlockedIPs(ctx context.Context, tenantID, tokenID string) ([]tokenmint.IPBlock, error) {
	var one int
	err := db.pool.QueryRow(ctx, `SELECT 1 FROM tokens WHERE tenant_id = $1 AND id = $2`, tenantID, tokenID).Scan(&one)
	if err != nil {
		return nil, readErr(err, "token", "blocked ips")
	}
	rows, err := db.pool.Query(ctx,
		`SELECT prefix, created_at FROM token_blocked_ips WHERE token_id = $1 ORDER BY created_at, prefix`, tokenID)
	if err != nil {
		return nil, wrap("blocked ips", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tokenmint.IPBlock, error) {
		b := tokenmint.IPBlock{TenantID: tenantID, TokenID: tokenID}
		err := row.Scan(&b.Prefix, &b.CreatedAt)
		b.CreatedAt = utc(b.CreatedAt)
		return b, err
	})
	if err != nil {
		return nil, wrap("blocked ips", err)
	}
	if out == nil {
		out = []tokenmint.IPBlock{}
	}
	return out, nil
}
