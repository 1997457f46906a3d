package service

import (
	"cmp"
	"context"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// UpdateTokenInput changes a token; nil fields stay as they are.
type UpdateTokenInput struct {
	Expiry      *tokenmint.ExpiryRequest
	Description *string
	Active      *bool
	// AllowedCIDRs replaces the networks the token may be used from
	// (empty: anywhere); see docs/bound-networks.md.
	AllowedCIDRs *[]string
}

// UpdateToken extends, re-describes, deactivates or reactivates a token. An
// administrator may extend or (de)activate another user's token but not
// change its description.
func (s *Service) UpdateToken(ctx context.Context, id string, in UpdateTokenInput) (*tokenmint.Token, error) {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	tok, owner, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if in.Expiry == nil && in.Description == nil && in.Active == nil && in.AllowedCIDRs == nil {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "nothing to change: give expires_at, days_to_live, no_expiry, description, active or allowed_cidrs")
	}
	var cidrs tokenmint.CIDRList
	if in.AllowedCIDRs != nil {
		if cidrs, err = tokenmint.ParseCIDRList(*in.AllowedCIDRs); err != nil {
			return nil, err
		}
	}
	var actions []string
	var wasActive bool
	// The rules are checked again on every attempt, against the token as
	// it is then: a token revoked meanwhile can no longer be changed.
	_, err = s.changeToken(ctx, tok, func(tok *tokenmint.Token) (bool, error) {
		now := s.Now()
		if st := tok.Status(now); st != tokenmint.StatusActive && st != tokenmint.StatusInactive {
			return false, tokenmint.Errorf(tokenmint.ECONFLICT, "token is %s and can no longer be changed", st)
		}
		actions, wasActive = nil, tok.StoredStatus == tokenmint.StatusActive
		if in.Description != nil {
			if !owner {
				return false, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the owner may change a token's description")
			}
			if err := tokenmint.ValidateTokenDescription(*in.Description); err != nil {
				return false, err
			}
			tok.Description = *in.Description
			actions = append(actions, "token.describe")
		}
		if in.Expiry != nil {
			typ, ok := s.types.Lookup(tok.Type)
			if !ok {
				return false, tokenmint.Errorf(tokenmint.ECONFLICT, "token type %s is no longer configured", tok.Type)
			}
			pol, err := s.tenantPolicy(ctx, tok.TenantID)
			if err != nil {
				return false, err
			}
			exp, err := tokenmint.ResolveExpiry(now, typ, pol, *in.Expiry)
			if err != nil {
				return false, err
			}
			tok.ExpiresAt = exp
			actions = append(actions, "token.extend")
		}
		if in.AllowedCIDRs != nil {
			changed, err := s.changeNetworks(ctx, tok, cidrs)
			if err != nil {
				return false, err
			}
			if changed {
				actions = append(actions, "token.networks")
			}
		}
		if in.Active != nil {
			if *in.Active {
				tok.StoredStatus = tokenmint.StatusActive
				actions = append(actions, "token.activate")
			} else {
				tok.StoredStatus = tokenmint.StatusInactive
				actions = append(actions, "token.deactivate")
			}
		}
		tok.UpdatedAt = now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
	for _, a := range actions {
		detail := ""
		if a == "token.networks" {
			detail = "allowed_cidrs " + cmp.Or(tok.AllowedCIDRs.String(), "(anywhere)")
		}
		s.audit(ctx, tok.TenantID, a, "token", tok.ID, OutcomeSuccess, detail)
		if a == "token.deactivate" && wasActive {
			s.emit(ctx, tokenmint.EventTokenDeactivated, tok, "deactivated by hand")
		}
	}
	redactForCaller(p, tok)
	return tok, nil
}

// RevokeToken revokes a token for good. Revoking a revoked token is a no-op.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return err
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return err
	}
	if revoked, err := s.revokeStored(ctx, tok, s.Now()); err != nil || !revoked {
		return err
	}
	s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
	s.audit(ctx, tok.TenantID, "token.revoke", "token", tok.ID, OutcomeSuccess, "")
	s.emit(ctx, tokenmint.EventTokenRevoked, tok, "")
	return nil
}

// tokenWriteAttempts bounds how often changeToken reads a token again
// after losing a race; past it the caller gets the store's ECONFLICT.
const tokenWriteAttempts = 5

// changeToken applies change to tok and saves it. The store refuses the
// write when the token changed since it was read (ECONFLICT); changeToken
// then reads it again and applies change again to the fresh token, so a
// decision is never saved over a state it did not see — a revocation
// landing between a PATCH's read and its write stays. change checks the
// rules and returns false when there is nothing to save. changeToken
// reports whether it saved; tok holds the token as last read or saved.
func (s *Service) changeToken(ctx context.Context, tok *tokenmint.Token, change func(*tokenmint.Token) (bool, error)) (bool, error) {
	for attempt := 1; ; attempt++ {
		if save, err := change(tok); err != nil || !save {
			return false, err
		}
		err := s.store.UpdateToken(s.announcing(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID}), tok)
		if tokenmint.ErrorCode(err) != tokenmint.ECONFLICT || attempt == tokenWriteAttempts {
			return err == nil, err
		}
		fresh, err := s.store.TokenByID(ctx, tok.TenantID, tok.ID)
		if err != nil {
			return false, err
		}
		*tok = *fresh
	}
}

// revokeStored revokes tok at now unless it is revoked already, and
// reports whether it did.
func (s *Service) revokeStored(ctx context.Context, tok *tokenmint.Token, now time.Time) (bool, error) {
	return s.changeToken(ctx, tok, func(tok *tokenmint.Token) (bool, error) {
		if tok.StoredStatus == tokenmint.StatusRevoked {
			return false, nil
		}
		tok.StoredStatus, tok.RevokedAt, tok.UpdatedAt = tokenmint.StatusRevoked, &now, now
		return true, nil
	})
}

// RotateTokenInput asks for a new secret.
type RotateTokenInput struct {
	// Grace is how long the old secret keeps working (0: stops at once).
	Grace time.Duration
	// Expiry of the rotated token; empty means the type's default from now.
	Expiry tokenmint.ExpiryRequest
}

// RotateToken gives a token a new secret; the old one keeps working for the
// grace period so deployments can switch over without downtime.
func (s *Service) RotateToken(ctx context.Context, id string, in RotateTokenInput) (*IssuedToken, error) {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	tok, owner, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !owner {
		// The new secret would be shown to the administrator: only owners rotate.
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the owner may rotate a token")
	}
	var bound *tokenmint.CredentialBound
	if b := p.CredentialBound(); b != nil && (p.Token == nil || p.Token.ID != tok.ID) {
		// The caller reads the new secret: a token presented to rotate
		// another is held to the bounds it would be held to creating it.
		// With no expiry asked for, the rotated token ends with it.
		bound = b
		if in.Expiry == (tokenmint.ExpiryRequest{}) && b.ExpiresAt != nil {
			cut := *b.ExpiresAt
			in.Expiry.ExpiresAt = &cut
		}
	}
	return s.rotate(ctx, tok, in, bound)
}

// RotateSelf lets the token presented replace itself, so automation can
// renew its own credential before it expires with no person involved. It
// changes the token, so it needs tokens:write like every other change of
// one's tokens, or tokens:rotate, which lets a type renew itself without
// managing other tokens (CIToken, the analysis tokens). A viewer holds
// neither, so a viewer's token may not.
func (s *Service) RotateSelf(ctx context.Context, in RotateTokenInput) (*IssuedToken, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil || p.Token == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "present the token itself to rotate it")
	}
	if !p.CredentialCan("tokens:write") && !p.CredentialCan("tokens:rotate") {
		s.audit(ctx, p.TenantID, "token.rotate", "token", p.Token.ID, OutcomeDenied, "self-rotation without tokens:write or tokens:rotate")
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "this token lacks permission tokens:rotate (or tokens:write), which rotating itself needs")
	}
	tok, err := s.store.TokenByID(ctx, p.TenantID, p.Token.ID)
	if err != nil {
		return nil, err
	}
	return s.rotate(ctx, tok, in, nil)
}

// rotate gives tok a new secret. bound, when not nil, is the presenting
// credential's, which reads the new secret: the token's permissions now,
// its project and its new expiry must stay within it.
func (s *Service) rotate(ctx context.Context, tok *tokenmint.Token, in RotateTokenInput, bound *tokenmint.CredentialBound) (*IssuedToken, error) {
	if in.Grace < 0 || in.Grace > s.cfg.MaxGracePeriod {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "grace period must be between 0 and %d seconds", int(s.cfg.MaxGracePeriod.Seconds()))
	}
	now := s.Now()
	if st := tok.Status(now); st != tokenmint.StatusActive {
		return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "token is %s and cannot be rotated", st)
	}
	typ, ok := s.types.Lookup(tok.Type)
	if !ok || !typ.Creatable() {
		return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "tokens of type %s can no longer be rotated; create a token of a current type", tok.Type)
	}
	pol, err := s.tenantPolicy(ctx, tok.TenantID)
	if err != nil {
		return nil, err
	}
	exp, err := tokenmint.ResolveExpiry(now, typ, pol, in.Expiry)
	if err != nil {
		return nil, err
	}
	if bound != nil {
		g, err := s.grantsFor(ctx, tok.TenantID, tok.OwnerKind, tok.OwnerID)
		if err != nil {
			return nil, err
		}
		if err := bound.Within(tokenmint.EffectivePermissions(s.types, typ, tok, g, ""), tok.ProjectID, exp); err != nil {
			s.audit(ctx, tok.TenantID, "token.rotate", "token", tok.ID, OutcomeDenied, "beyond the presenting credential")
			return nil, err
		}
	}
	kind := byte(tokenmint.KindUser)
	if tok.OwnerKind == tokenmint.OwnerApplication {
		kind = tokenmint.KindApplication
	}
	plain := secret.NewToken(kind)
	if err := s.store.RotateTokenSecret(s.announcing(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID}), tok.ID, s.hasher.Hash(plain), plain[:tokenmint.DisplayPrefixLen], now.Add(in.Grace), exp, now); err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
	s.audit(ctx, tok.TenantID, "token.rotate", "token", tok.ID, OutcomeSuccess, "grace "+in.Grace.String())
	rotated, err := s.store.TokenByID(ctx, tok.TenantID, tok.ID)
	if err != nil {
		return nil, err
	}
	return &IssuedToken{Token: rotated, Plain: plain, Encoded: tokenmint.EncodeToken(plain)}, nil
}
