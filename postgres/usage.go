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

// recordUsage applies sorted within tx in three statements whatever its
// size, the records passed as arrays: a statement per record, as before,
// cost PostgreSQL a parse, plan and round of locking per (token, IP) pair,
// and the write-back of a hundred thousand new pairs took it most of a
// core. The tokens are locked first, in ID order, so that instances
// flushing at once take the locks in the same order. A pair named twice
// (a batch that spans midnight) is summed into one row.
func recordUsage(ctx context.Context, tx pgx.Tx, sorted []tokenmint.UsageRecord) error {
	n := len(sorted)
	tokens, tenants, ips := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	firsts, lasts, counts := make([]time.Time, 0, n), make([]time.Time, 0, n), make([]int64, 0, n)
	for _, r := range sorted {
		if r.TokenID == "" {
			continue // a count of failed verifications (recordDailyCounts)
		}
		tokens, tenants, ips = append(tokens, r.TokenID), append(tenants, r.TenantID), append(ips, r.IP)
		firsts, lasts, counts = append(firsts, r.First), append(lasts, r.Last), append(counts, r.Count)
	}
	if len(tokens) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT 1 FROM tokens WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, tokens)
	// INSERT ... SELECT ... JOIN inserts nothing for a token not in the
	// record's tenant, which is how unknown tokens are skipped.
	b.Queue(`INSERT INTO token_usage (token_id, ip, first_used, last_used, count)
		 SELECT t.id, u.ip, min(u.first_used), max(u.last_used), sum(u.count)::bigint
		 FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::bigint[])
		      AS u(token_id, tenant_id, ip, first_used, last_used, count)
		 JOIN tokens t ON t.id = u.token_id AND t.tenant_id = u.tenant_id
		 GROUP BY t.id, u.ip
		 ORDER BY t.id, u.ip
		 ON CONFLICT (token_id, ip) DO UPDATE SET
		   first_used = LEAST(token_usage.first_used, EXCLUDED.first_used),
		   last_used  = GREATEST(token_usage.last_used, EXCLUDED.last_used),
		   count      = token_usage.count + EXCLUDED.count`,
		tokens, tenants, ips, firsts, lasts, counts)
	b.Queue(`UPDATE tokens t SET
		   last_used_at = GREATEST(t.last_used_at, u.last_used),
		   uses = t.uses + CASE WHEN t.max_uses = 0 THEN u.count ELSE 0 END
		 FROM (SELECT token_id, tenant_id, max(last_used) AS last_used, sum(count)::bigint AS count
		       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[]) AS x(token_id, tenant_id, last_used, count)
		       GROUP BY token_id, tenant_id) u
		 WHERE t.id = u.token_id AND t.tenant_id = u.tenant_id`,
		tokens, tenants, lasts, counts)
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
