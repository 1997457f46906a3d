package service

import (
	"context"
	"time"

	"tokenmint"
)

// ExpiryLimits are the limits an existing token's new expiry obeys now:
// those of its own type and of its tenant's policy, whoever asks. (The
// types a caller may create say nothing about a token of another owner, or
// of an application.)
type ExpiryLimits struct {
	// Type is the token's type; nil when the types file no longer has it.
	Type *tokenmint.TokenType
	// TenantMaxDays is the policy's max_lifetime_days (0: none).
	TenantMaxDays int
	// MaxExpiresAt is the latest expiry allowed now (nil: no limit).
	MaxExpiresAt *time.Time
	// NoExpiryAllowed folds the type's and the tenant's rules together.
	NoExpiryAllowed bool
}

// TokenExpiryLimits returns the limits on extending the token id, which the
// caller must be allowed to read.
func (s *Service) TokenExpiryLimits(ctx context.Context, id string) (ExpiryLimits, error) {
	tok, err := s.GetToken(ctx, id)
	if err != nil {
		return ExpiryLimits{}, err
	}
	pol, err := s.tenantPolicy(ctx, tok.TenantID)
	if err != nil {
		return ExpiryLimits{}, err
	}
	lim := ExpiryLimits{TenantMaxDays: pol.MaxLifetimeDays}
	typ, ok := s.types.Lookup(tok.Type)
	if !ok {
		return lim, nil
	}
	lim.Type = typ
	lim.MaxExpiresAt = tokenmint.MaxExpiry(s.Now(), typ, pol)
	lim.NoExpiryAllowed = typ.AllowNoExpiry && pol.MaxLifetimeDays == 0
	return lim, nil
}
