package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"tokenmint"
)

// PolicyInput changes the caller's tenant policy; nil fields keep their
// current value.
type PolicyInput struct {
	MaxLifetimeDays          *int
	InactivityDeactivateDays *int
	InactivityDeleteDays     *int
	// ExpiryNoticeDays, when not nil, replaces the list of advance
	// notices (any order; it is stored farthest first).
	ExpiryNoticeDays       *tokenmint.NoticeDays
	ExpiryDigest           *bool
	ExpiryDigestWeekday    *string
	AccessTokenTTL         *int
	RefreshTokenTTL        *int
	LoginFailuresPerMinute *int
	MaxTokensPerOwner      *int
}

// GetPolicy returns the policy of the caller's tenant (the defaults when
// none was set). Administrators only.
func (s *Service) GetPolicy(ctx context.Context) (tokenmint.Policy, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return tokenmint.Policy{}, err
	}
	return s.store.PolicyByTenant(ctx, p.TenantID)
}

// PutPolicy changes the policy of the caller's tenant. It applies from now
// on: a lower max_lifetime_days limits tokens created, extended or rotated
// later and never shortens an existing token; inactivity and notice
// settings apply from the next job run.
func (s *Service) PutPolicy(ctx context.Context, in PolicyInput) (tokenmint.Policy, error) {
	p, err := s.requireAdminFor(ctx, "policy.update", "policy", "")
	if err != nil {
		return tokenmint.Policy{}, err
	}
	pol, err := s.store.PolicyByTenant(ctx, p.TenantID)
	if err != nil {
		return tokenmint.Policy{}, err
	}
	var changes []string
	set := func(name string, dst *int, v *int) {
		if v != nil && *v != *dst {
			changes = append(changes, fmt.Sprintf("%s %d->%d", name, *dst, *v))
			*dst = *v
		}
	}
	set("max_lifetime_days", &pol.MaxLifetimeDays, in.MaxLifetimeDays)
	set("inactivity_deactivate_days", &pol.InactivityDeactivateDays, in.InactivityDeactivateDays)
	set("inactivity_delete_days", &pol.InactivityDeleteDays, in.InactivityDeleteDays)
	if in.ExpiryNoticeDays != nil {
		if err := in.ExpiryNoticeDays.Validate(); err != nil {
			return tokenmint.Policy{}, err
		}
		if v := in.ExpiryNoticeDays.Sorted(); !slices.Equal(v, pol.ExpiryNoticeDays) {
			changes = append(changes, fmt.Sprintf("expiry_notice_days %v->%v", []int(pol.ExpiryNoticeDays), []int(v)))
			pol.ExpiryNoticeDays = v
		}
	}
	if v := in.ExpiryDigest; v != nil && *v != pol.ExpiryDigest {
		changes = append(changes, fmt.Sprintf("expiry_digest %t->%t", pol.ExpiryDigest, *v))
		pol.ExpiryDigest = *v
	}
	if in.ExpiryDigestWeekday != nil {
		// Day names are read in any case ("Friday"), kept in lower case.
		day := strings.ToLower(strings.TrimSpace(*in.ExpiryDigestWeekday))
		in.ExpiryDigestWeekday = &day
	}
	if v := in.ExpiryDigestWeekday; v != nil && *v != pol.ExpiryDigestWeekday {
		changes = append(changes, fmt.Sprintf("expiry_digest_weekday %s->%s", pol.ExpiryDigestWeekday, *v))
		pol.ExpiryDigestWeekday = *v
	}
	set("access_token_ttl", &pol.AccessTokenTTL, in.AccessTokenTTL)
	set("refresh_token_ttl", &pol.RefreshTokenTTL, in.RefreshTokenTTL)
	set("login_failures_per_minute", &pol.LoginFailuresPerMinute, in.LoginFailuresPerMinute)
	set("max_tokens_per_owner", &pol.MaxTokensPerOwner, in.MaxTokensPerOwner)
	if err := pol.Validate(); err != nil {
		return tokenmint.Policy{}, err
	}
	pol.TenantID = p.TenantID
	pol.UpdatedAt = s.Now()
	ch := Change{Kind: ChangePolicy, TenantID: p.TenantID}
	if err := s.store.PutPolicy(s.announcing(ctx, ch), pol); err != nil {
		return tokenmint.Policy{}, err
	}
	s.changed(ctx, ch)
	s.audit(ctx, p.TenantID, "policy.update", "policy", p.TenantID, OutcomeSuccess, strings.Join(changes, ", "))
	return pol, nil
}

// requireAdminFor is requireAdmin for a change: a signed-in caller who is
// refused leaves a denied entry in the audit log.
func (s *Service) requireAdminFor(ctx context.Context, action, objectKind, objectID string) (*tokenmint.Principal, error) {
	p, err := requireAdmin(ctx)
	if tokenmint.ErrorCode(err) == tokenmint.EFORBIDDEN {
		s.audit(ctx, "", action, objectKind, objectID, OutcomeDenied, "administrator permission required")
	}
	return p, err
}
