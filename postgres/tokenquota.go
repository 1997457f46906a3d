package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// checkTokenQuota refuses t when the context asks for a quota
// (tokenmint.WithTokenQuota) and t's owner holds that many live tokens
// already. It runs in CreateToken's transaction and first takes a
// transaction-scoped advisory lock on the owner, so creations for one
// owner are serialized across every instance and the count cannot be
// overtaken: concurrent creations never overshoot.
func checkTokenQuota(ctx context.Context, tx pgx.Tx, t *tokenmint.Token) error {
	q, ok := tokenmint.TokenQuotaFrom(ctx)
	if !ok {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
		"token-quota:"+t.TenantID+":"+t.OwnerKind+":"+t.OwnerID); err != nil {
		return wrap("lock token quota", err)
	}
	var live int
	err := tx.QueryRow(ctx,
		`SELECT count(*) FROM tokens
		 WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3
		   AND status <> 'revoked'
		   AND (expires_at IS NULL OR expires_at > $4)
		   AND NOT (max_uses > 0 AND uses >= max_uses)`,
		t.TenantID, t.OwnerKind, t.OwnerID, q.Now).Scan(&live)
	if err != nil {
		return wrap("count live tokens", err)
	}
	if live >= q.Max {
		return tokenmint.TokenQuotaError(q.Max)
	}
	return nil
}
