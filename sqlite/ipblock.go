package sqlite

import (
	"context"

	"tokenmint"
)

// BlockIP adds a block to a token of the tenant; an existing block stays as
// it is.
func (db *DB) BlockIP(ctx context.Context, b *tokenmint.IPBlock) error {
	// INSERT ... SELECT inserts nothing for a token not in the tenant.
	res, err := db.write.ExecContext(ctx,
		`INSERT INTO token_blocked_ips (token_id, prefix, created_at)
		 SELECT id, ?, ? FROM tokens WHERE tenant_id = ? AND id = ?
		 ON CONFLICT (token_id, prefix) DO NOTHING`,
		b.Prefix, toMicro(b.CreatedAt), b.TenantID, b.TokenID)
	if err != nil {
		return wrap("block ip", err)
	}
	if n, err := affectedOne(res, "block ip"); err != nil || n {
		return err
	}
	var one int
	err = db.read.QueryRowContext(ctx, `SELECT 1 FROM tokens WHERE tenant_id = ? AND id = ?`, b.TenantID, b.TokenID).Scan(&one)
	return readErr(err, "token", "block ip")
}

// UnblockIP removes a block of a token of the tenant.
func (db *DB) UnblockIP(ctx context.Context, tenantID, tokenID, prefix string) error {
	res, err := db.write.ExecContext(ctx,
		`DELETE FROM token_blocked_ips WHERE prefix = ?
		   AND token_id = (SELECT id FROM tokens WHERE tenant_id = ? AND id = ?)`,
		prefix, tenantID, tokenID)
	if err != nil {
		return wrap("unblock ip", err)
	}
	return checkAffected(res, "blocked IP", "unblock ip")
}

const (
	tokenExistsSQL = `SELECT 1 FROM tokens WHERE tenant_id = ? AND id = ?`
	blockedIPsSQL  = `SELECT prefix, created_at FROM token_blocked_ips WHERE token_id = ? ORDER BY created_at, prefix`
)

// BlockedIPs lists a token's blocks, oldest first.
func (db *DB) BlockedIPs(ctx context.Context, tenantID, tokenID string) ([]tokenmint.IPBlock, error) {
	var one int
	err := db.readRow(ctx, tokenExistsSQL, tenantID, tokenID).Scan(&one)
	if err != nil {
		return nil, readErr(err, "token", "blocked ips")
	}
	rows, err := db.readQuery(ctx, blockedIPsSQL, tokenID)
	if err != nil {
		return nil, wrap("blocked ips", err)
	}
	defer rows.Close()
	out := []tokenmint.IPBlock{}
	for rows.Next() {
		b := tokenmint.IPBlock{TenantID: tenantID, TokenID: tokenID}
		var created int64
		if err := rows.Scan(&b.Prefix, &created); err != nil {
			return nil, wrap("blocked ips", err)
		}
		b.CreatedAt = fromMicro(created)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("blocked ips", err)
	}
	return out, nil
}
