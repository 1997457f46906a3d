package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"tokenmint"
)

// PolicyByTenant returns the tenant's stored policy, or
// tokenmint.DefaultPolicy when the tenant never stored one: a tenant
// always has a policy, so absence is not an error.
func (db *DB) PolicyByTenant(ctx context.Context, tenantID string) (tokenmint.Policy, error) {
	p := tokenmint.Policy{TenantID: tenantID}
	var updated int64
	var windows string
	err := db.read.QueryRowContext(ctx,
		`SELECT max_lifetime_days, inactivity_deactivate_days, inactivity_delete_days,
		        access_token_ttl, refresh_token_ttl, login_failures_per_minute,
		        max_tokens_per_owner, updated_at, expiry_notice_windows, expiry_digest, expiry_digest_weekday
		 FROM policies WHERE tenant_id = ?`, tenantID).
		Scan(&p.MaxLifetimeDays, &p.InactivityDeactivateDays, &p.InactivityDeleteDays,
			&p.AccessTokenTTL, &p.RefreshTokenTTL, &p.LoginFailuresPerMinute, &p.MaxTokensPerOwner, &updated, &windows, &p.ExpiryDigest, &p.ExpiryDigestWeekday)
	if errors.Is(err, sql.ErrNoRows) {
		return tokenmint.DefaultPolicy(tenantID), nil
	}
	if err != nil {
		return tokenmint.Policy{}, wrap("read policy", err)
	}
	p.UpdatedAt = fromMicro(updated)
	if err := json.Unmarshal([]byte(windows), &p.ExpiryNoticeDays); err != nil {
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
	_, err = db.write.ExecContext(ctx,
		`INSERT INTO policies (tenant_id, max_lifetime_days, inactivity_deactivate_days,
		        inactivity_delete_days, expiry_notice_days, access_token_ttl, refresh_token_ttl, login_failures_per_minute,
		        max_tokens_per_owner, updated_at, expiry_notice_windows, expiry_digest, expiry_digest_weekday)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (tenant_id) DO UPDATE SET
		   max_lifetime_days = excluded.max_lifetime_days,
		   inactivity_deactivate_days = excluded.inactivity_deactivate_days,
		   inactivity_delete_days = excluded.inactivity_delete_days,
		   expiry_notice_days = excluded.expiry_notice_days,
		   access_token_ttl = excluded.access_token_ttl,
		   refresh_token_ttl = excluded.refresh_token_ttl,
		   login_failures_per_minute = excluded.login_failures_per_minute,
		   max_tokens_per_owner = excluded.max_tokens_per_owner,
		   updated_at = excluded.updated_at,
		   expiry_notice_windows = excluded.expiry_notice_windows,
		   expiry_digest = excluded.expiry_digest,
		   expiry_digest_weekday = excluded.expiry_digest_weekday`,
		p.TenantID, p.MaxLifetimeDays, p.InactivityDeactivateDays, p.InactivityDeleteDays,
		farthestNotice(p.ExpiryNoticeDays), p.AccessTokenTTL, p.RefreshTokenTTL, p.LoginFailuresPerMinute, p.MaxTokensPerOwner, toMicro(p.UpdatedAt),
		string(windows), p.ExpiryDigest, p.ExpiryDigestWeekday)
	if isForeignKey(err) {
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "tenant not found")
	}
	return writeErr(err, "policy", "put policy")
}

// farthestNotice is what the old integer column expiry_notice_days keeps:
// the farthest window, 0 for none.
func farthestNotice(d tokenmint.NoticeDays) int {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}
