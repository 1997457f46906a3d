package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// PolicyByTenant returns the tenant's stored policy, or
// tokenmint.DefaultPolicy when the tenant never stored one: a tenant
// always has a policy, so absence is not an error.
func (db *DB) PolicyByTenant(ctx context.Context, tenantID string) (tokenmint.Policy, error) {
	p := tokenmint.Policy{TenantID: tenantID}
	var windows []byte
	err := db.pool.QueryRow(ctx,
		`SELECT max_lifetime_days, inactivity_deactivate_days, inactivity_delete_days,
		        access_token_ttl, refresh_token_ttl, login_failures_per_minute,
		        max_tokens_per_owner, updated_at, expiry_notice_windows, expiry_digest, expiry_digest_weekday
		 FROM policies WHERE tenant_id = $1`, tenantID).
		Scan(&p.MaxLifetimeDays, &p.InactivityDeactivateDays, &p.InactivityDeleteDays,
			&p.AccessTokenTTL, &p.RefreshTokenTTL, &p.LoginFailuresPerMinute, &p.MaxTokensPerOwner, &p.UpdatedAt, &windows, &p.ExpiryDigest, &p.ExpiryDigestWeekday)
	if errors.Is(err, pgx.ErrNoRows) {
		return tokenmint.DefaultPolicy(tenantID), nil
	}
	if err != nil {
		return tokenmint.Policy{}, wrap("read policy", err)
	}
	p.UpdatedAt = utc(p.UpdatedAt)
	if err := json.Unmarshal(windows, &p.ExpiryNoticeDays); err != nil {
		return tokenmint.Policy{}, wrap("read policy", err)
	}
	return p, nil
}

// PutPolicy stores the tenant's policy, replacing any earlier one.
func (db *DB) PutPolicy(ctx context.Context, p tokenmint.Policy) error {
	windows, err := json.Marshal(p.ExpiryNoticeDays)
	if err != nil {
		return wrap("put policy", err)
	}
	err = db.announced(ctx, func(q execer) error {
		_, err := q.Exec(ctx,
			`INSERT INTO policies (tenant_id, max_lifetime_days, inactivity_deactivate_days,
		        inactivity_delete_days, expiry_notice_days, access_token_ttl, refresh_token_ttl, login_failures_per_minute,
		        max_tokens_per_owner, updated_at, expiry_notice_windows, expiry_digest, expiry_digest_weekday)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		 ON CONFLICT (tenant_id) DO UPDATE SET
		   max_lifetime_days = EXCLUDED.max_lifetime_days,
		   inactivity_deactivate_days = EXCLUDED.inactivity_deactivate_days,
		   inactivity_delete_days = EXCLUDED.inactivity_delete_days,
		   expiry_notice_days = EXCLUDED.expiry_notice_days,
		   access_token_ttl = EXCLUDED.access_token_ttl,
		   refresh_token_ttl = EXCLUDED.refresh_token_ttl,
		   login_failures_per_minute = EXCLUDED.login_failures_per_minute,
		   max_tokens_per_owner = EXCLUDED.max_tokens_per_owner,
		   updated_at = EXCLUDED.updated_at,
		   expiry_notice_windows = EXCLUDED.expiry_notice_windows,
		   expiry_digest = EXCLUDED.expiry_digest,
		   expiry_digest_weekday = EXCLUDED.expiry_digest_weekday`,
			p.TenantID, p.MaxLifetimeDays, p.InactivityDeactivateDays, p.InactivityDeleteDays,
			farthestNotice(p.ExpiryNoticeDays), p.AccessTokenTTL, p.RefreshTokenTTL, p.LoginFailuresPerMinute, p.MaxTokensPerOwner, p.UpdatedAt,
			string(windows), p.ExpiryDigest, p.ExpiryDigestWeekday)
		if sqlState(err) == codeForeignKeyViolation {
			return tokenmint.Errorf(tokenmint.ENOTFOUND, "tenant not found")
		}
		return writeErr(err, "policy", "put policy")
	})
	return err
}

// farthestNotice is what the old integer column expiry_notice_days keeps:
// the farthest window, 0 for none.
func farthestNotice(d tokenmint.NoticeDays) int {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}
