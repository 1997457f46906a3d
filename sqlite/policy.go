package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"tokenmint"
)

// PolicyByTenant returns the tenant's stored policy, or
// tokenmint.DefaultPolicy when the tenant never stored one: a tenant
// always has a policy, so absence is not an error.
func (db *DB) PolicyByTenant(ctx context.Context, tenantID string) (tokenmint.Policy, error) {
	p := tokenmint.Policy{TenantID: tenantID}
	var updated int64
	err := db.read.QueryRowContext(ctx,
		`SELECT max_lifetime_days, inactivity_deactivate_days, inactivity_delete_days,
		        expiry_notice_days, access_token_ttl, refresh_token_ttl, login_failures_per_minute,
		        max_tokens_per_owner, updated_at
		 FROM policies WHERE tenant_id = ?`, tenantID).
		Scan(&p.MaxLifetimeDays, &p.InactivityDeactivateDays, &p.InactivityDeleteDays,
			&p.ExpiryNoticeDays, &p.AccessTokenTTL, &p.RefreshTokenTTL, &p.LoginFailuresPerMinute, &p.MaxTokensPerOwner, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return tokenmint.DefaultPolicy(tenantID), nil
	}
	if err != nil {
		return tokenmint.Policy{}, wrap("read policy", err)
	}
	p.UpdatedAt = fromMicro(updated)
	return p, nil
}

// PutPolicy stores the tenant's policy, replacing any earlier one.
func (db *DB) PutPolicy(ctx context.Context, p tokenmint.Policy) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO policies (tenant_id, max_lifetime_days, inactivity_deactivate_days,
		        inactivity_delete_days, expiry_notice_days, access_token_ttl, refresh_token_ttl, login_failures_per_minute,
		        max_tokens_per_owner, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (tenant_id) DO UPDATE SET
		   max_lifetime_days = excluded.max_lifetime_days,
		   inactivity_deactivate_days = excluded.inactivity_deactivate_days,
		   inactivity_delete_days = excluded.inactivity_delete_days,
		   expiry_notice_days = excluded.expiry_notice_days,
		   access_token_ttl = excluded.access_token_ttl,
		   refresh_token_ttl = excluded.refresh_token_ttl,
		   login_failures_per_minute = excluded.login_failures_per_minute,
		   max_tokens_per_owner = excluded.max_tokens_per_owner,
		   updated_at = excluded.updated_at`,
		p.TenantID, p.MaxLifetimeDays, p.InactivityDeactivateDays, p.InactivityDeleteDays,
		p.ExpiryNoticeDays, p.AccessTokenTTL, p.RefreshTokenTTL, p.LoginFailuresPerMinute, p.MaxTokensPerOwner, toMicro(p.UpdatedAt))
	if isForeignKey(err) {
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "tenant not found")
	}
	return writeErr(err, "policy", "put policy")
}
