package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// SpendUse counts one use of a limited-use token and reports whether a use
// was left. The check and the increment are one UPDATE: when callers on
// several instances race for the last use, PostgreSQL makes the later
// UPDATE wait for the earlier one's commit and then re-checks its WHERE
// against the new row, which no longer matches. So a token is spent
// exactly max_uses times. It also records now as the token's last use,
// since a spent use is a use (GREATEST ignores a NULL last_used_at).
//
// Tokens with max_uses = 0 are unlimited and count their uses through
// RecordUsage; SpendUse reports false for them and changes nothing. An
// unknown token is ENOTFOUND.
func (db *DB) SpendUse(ctx context.Context, tokenID string, now time.Time) (bool, error) {
	tag, err := db.pool.Exec(ctx,
		`UPDATE tokens SET uses = uses + 1, last_used_at = GREATEST(last_used_at, $2)
		 WHERE id = $1 AND max_uses > 0 AND uses < max_uses`,
		tokenID, now)
	if err != nil {
		return false, wrap("spend use", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	// Only the refusal pays for telling "no use left" from "no token".
	var one int
	err = db.pool.QueryRow(ctx, `SELECT 1 FROM tokens WHERE id = $1`, tokenID).Scan(&one)
	if err != nil {
		return false, readErr(err, "token", "spend use")
	}
	return false, nil
}

// RecordUsage applies a batch of usage in one transaction: per-IP first and
// last use and count, the token's last_used_at (never moved backwards, as
// batches from several instances arrive in any order), and its use count
// for unlimited tokens (limited ones count in SpendUse). The statements go
// to the server in one round trip.
//
// Records for a token that no longer exists in the record's tenant are
// skipped: usage is flushed after the fact, and a token deleted in the
// meantime must not make the whole batch fail.
//
// Instances flushing at once lock the same rows; the batch is applied in
// (token, IP) order so they take the locks in the same order and do not
// deadlock. Should PostgreSQL still abort one, the batch is retried.
func (db *DB) RecordUsage(ctx context.Context, batch []tokenmint.UsageRecord) error {
	if len(batch) == 0 {
		return nil
	}
	sorted := slices.Clone(batch)
	slices.SortFunc(sorted, func(a, b tokenmint.UsageRecord) int {
		return cmp.Or(cmp.Compare(a.TokenID, b.TokenID), cmp.Compare(a.IP, b.IP))
	})
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if err := recordUsage(ctx, tx, sorted); err != nil {
			return err
		}
		return recordDailyCounts(ctx, tx, sorted)
	})
}

// recordUsage applies sorted within tx.
func recordUsage(ctx context.Context, tx pgx.Tx, sorted []tokenmint.UsageRecord) error {
	b := &pgx.Batch{}
	for _, r := range sorted {
		// INSERT ... SELECT inserts nothing when the token is not in
		// the tenant, which is how unknown tokens are skipped.
		b.Queue(`INSERT INTO token_usage (token_id, ip, first_used, last_used, count)
			 SELECT id, $2::text, $3::timestamptz, $4::timestamptz, $5::bigint
			 FROM tokens WHERE id = $1 AND tenant_id = $6
			 ON CONFLICT (token_id, ip) DO UPDATE SET
			   first_used = LEAST(token_usage.first_used, EXCLUDED.first_used),
			   last_used  = GREATEST(token_usage.last_used, EXCLUDED.last_used),
			   count      = token_usage.count + EXCLUDED.count`,
			r.TokenID, r.IP, r.First, r.Last, r.Count, r.TenantID)
		b.Queue(`UPDATE tokens SET
			   last_used_at = GREATEST(last_used_at, $2),
			   uses = uses + CASE WHEN max_uses = 0 THEN $3::bigint ELSE 0 END
			 WHERE id = $1 AND tenant_id = $4`,
			r.TokenID, r.Last, r.Count, r.TenantID)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return wrap("record usage", err)
	}
	return nil
}

// TokenUsage returns one page of the token's usage per client IP, by IP
// (the text, bytewise). A token that is not in the tenant is ENOTFOUND; a
// token never used has an empty list.
func (db *DB) TokenUsage(ctx context.Context, tenantID, tokenID string, pg tokenmint.Page) ([]tokenmint.IPUsage, error) {
	var one int
	err := db.pool.QueryRow(ctx,
		`SELECT 1 FROM tokens WHERE tenant_id = $1 AND id = $2`, tenantID, tokenID).Scan(&one)
	if err != nil {
		return nil, readErr(err, "token", "token usage")
	}
	var c conditions
	c.add("token_id = " + c.param(tokenID))
	tail, args := paged(c, "ip", pg)
	rows, err := db.pool.Query(ctx,
		`SELECT ip, first_used, last_used, count, blocked FROM token_usage`+tail, args...)
	if err != nil {
		return nil, wrap("token usage", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tokenmint.IPUsage, error) {
		var u tokenmint.IPUsage
		err := row.Scan(&u.IP, &u.FirstUsed, &u.LastUsed, &u.Count, &u.Blocked)
		u.FirstUsed, u.LastUsed = utc(u.FirstUsed), utc(u.LastUsed)
		return u, err
	})
	if err != nil {
		return nil, wrap("token usage", err)
	}
	if out == nil {
		out = []tokenmint.IPUsage{}
	}
	return out, nil
}
