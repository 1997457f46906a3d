package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tokenmint"
)

// SpendUse counts one use of a limited-use token and reports whether a use
// was left. The check and the increment are one UPDATE, so concurrent
// callers cannot both take the last use: SQLite runs the statements one
// after the other, and the loser's WHERE no longer matches. It also
// records now as the token's last use, since a spent use is a use.
//
// Tokens with max_uses = 0 are unlimited and count their uses through
// RecordUsage; SpendUse reports false for them and changes nothing.
// An unknown token is ENOTFOUND.
func (db *DB) SpendUse(ctx context.Context, tokenID string, now time.Time) (bool, error) {
	us := toMicro(now)
	res, err := db.write.ExecContext(ctx,
		`UPDATE tokens SET uses = uses + 1, last_used_at = MAX(COALESCE(last_used_at, ?), ?)
		 WHERE id = ? AND max_uses > 0 AND uses < max_uses`,
		us, us, tokenID)
	if err != nil {
		return false, wrap("spend use", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("spend use", err)
	}
	if n == 1 {
		return true, nil
	}
	// Only the refusal pays for telling "no use left" from "no token".
	var one int
	err = db.read.QueryRowContext(ctx, `SELECT 1 FROM tokens WHERE id = ?`, tokenID).Scan(&one)
	if err != nil {
		return false, readErr(err, "token", "spend use")
	}
	return false, nil
}

// RecordUsage applies a batch of usage in one transaction: per-IP first and
// last use and count, the token's last_used_at (never moved backwards, as
// batches from several instances arrive in any order), and its use count
// for unlimited tokens (limited ones count in SpendUse).
//
// Records for a token that no longer exists in the record's tenant are
// skipped: usage is flushed after the fact, and a token deleted in the
// meantime must not make the whole batch fail.
func (db *DB) RecordUsage(ctx context.Context, batch []tokenmint.UsageRecord) error {
	if len(batch) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := recordUsage(ctx, tx, batch); err != nil {
			return err
		}
		return recordDailyCounts(ctx, tx, batch)
	})
}

// recordUsage applies batch within tx.
func recordUsage(ctx context.Context, tx *sql.Tx, batch []tokenmint.UsageRecord) error {
	// INSERT ... SELECT inserts nothing when the token is not in the
	// tenant, which is how unknown tokens are skipped.
	upsertIP, err := tx.PrepareContext(ctx,
		`INSERT INTO token_usage (token_id, ip, first_used, last_used, count)
		 SELECT id, ?, ?, ?, ? FROM tokens WHERE id = ? AND tenant_id = ?
		 ON CONFLICT (token_id, ip) DO UPDATE SET
		   first_used = MIN(first_used, excluded.first_used),
		   last_used  = MAX(last_used, excluded.last_used),
		   count      = count + excluded.count`)
	if err != nil {
		return wrap("record usage", err)
	}
	defer upsertIP.Close()
	touch, err := tx.PrepareContext(ctx,
		`UPDATE tokens SET
		   last_used_at = MAX(COALESCE(last_used_at, ?), ?),
		   uses = uses + CASE WHEN max_uses = 0 THEN ? ELSE 0 END
		 WHERE id = ? AND tenant_id = ?`)
	if err != nil {
		return wrap("record usage", err)
	}
	defer touch.Close()

	for _, r := range batch {
		first, last := toMicro(r.First), toMicro(r.Last)
		if _, err := upsertIP.ExecContext(ctx, r.IP, first, last, r.Count, r.TokenID, r.TenantID); err != nil {
			return wrap("record usage", err)
		}
		if _, err := touch.ExecContext(ctx, last, last, r.Count, r.TokenID, r.TenantID); err != nil {
			return wrap("record usage", err)
		}
	}
	return nil
}

// TokenUsage returns one page of the token's usage per client IP, by IP
// (the text, bytewise). A token that is not in the tenant is ENOTFOUND; a
// token never used has an empty list.
func (db *DB) TokenUsage(ctx context.Context, tenantID, tokenID string, pg tokenmint.Page) ([]tokenmint.IPUsage, error) {
	var one int
	err := db.read.QueryRowContext(ctx,
		`SELECT 1 FROM tokens WHERE tenant_id = ? AND id = ?`, tenantID, tokenID).Scan(&one)
	if err != nil {
		return nil, readErr(err, "token", "token usage")
	}
	var c conditions
	c.add("token_id = ?", tokenID)
	tail, args := paged(c, "ip", pg)
	rows, err := db.read.QueryContext(ctx,
		`SELECT ip, first_used, last_used, count, blocked FROM token_usage`+tail, args...)
	if err != nil {
		return nil, wrap("token usage", err)
	}
	defer rows.Close()
	out := []tokenmint.IPUsage{}
	for rows.Next() {
		var u tokenmint.IPUsage
		var first, last int64
		if err := rows.Scan(&u.IP, &first, &last, &u.Count, &u.Blocked); err != nil {
			return nil, wrap("token usage", err)
		}
		u.FirstUsed, u.LastUsed = fromMicro(first), fromMicro(last)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("token usage", err)
	}
	return out, nil
}
