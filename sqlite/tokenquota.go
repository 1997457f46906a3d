package sqlite

import (
	"context"
	"database/sql"

	"tokenmint"
)

// checkTokenQuota refuses t when the context asks for a quota
// (tokenmint.WithTokenQuota) and t's owner holds that many live tokens
// already. It runs in CreateToken's transaction, which holds SQLite's
// write lock from BEGIN (_txlock=immediate) on the one write connection,
// so creations are serialized, even against another process on the same
// file: the count cannot be overtaken and the quota is never overshot.
func (db *DB) checkTokenQuota(ctx context.Context, tx *sql.Tx, t *tokenmint.Token) error {
	q, ok := tokenmint.TokenQuotaFrom(ctx)
	if !ok {
		return nil
	}
	var live int
	count, err := db.inTxStmt(ctx, tx, countLiveTokensSQL)
	if err != nil {
		return wrap("count live tokens", err)
	}
	err = count.QueryRowContext(ctx, t.TenantID, t.OwnerKind, t.OwnerID, toMicro(q.Now)).Scan(&live)
	if err != nil {
		return wrap("count live tokens", err)
	}
	if live >= q.Max {
		return tokenmint.TokenQuotaError(q.Max)
	}
	return nil
}
