package service

import (
	"cmp"
	"context"

	"tokenmint"
)

// DefaultApplicationTokenType is the type of an application token when the
// request names none.
const DefaultApplicationTokenType = "ApplicationToken"

// CreateApplicationToken issues an opaque token (tma_…) owned by an
// application. Administrators only. The token can do what its type permits
// within the application's access types, which are read at every use: a
// narrowed or disabled application narrows or stops its tokens at once.
func (s *Service) CreateApplicationToken(ctx context.Context, appID string, in CreateTokenInput) (*IssuedToken, error) {
	p, a, err := s.adminApplication(ctx, appID)
	if err != nil {
		return nil, err
	}
	in.Type = cmp.Or(in.Type, DefaultApplicationTokenType)
	typ, ok := s.types.Lookup(in.Type)
	switch {
	case !ok || typ.Internal:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "unknown token type %q", in.Type)
	case typ.Obsolete:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "token type %s is obsolete; use %s", typ.Name, typ.ReplacedBy)
	case typ.OwnerKind != tokenmint.OwnerApplication:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "tokens of type %s belong to users; create them with POST /api/v1/tokens", typ.Name)
	case !a.Enabled:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "application %s is disabled", a.Name)
	case len(a.AccessTypes) == 0:
		// Only an application stored before access types were required
		// can have none; its tokens could do nothing.
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "application %s has no access types: give it at least one before creating tokens", a.Name)
	}
	if err := tokenmint.ValidateApplicationTokenName(in.Name); err != nil {
		return nil, err
	}
	in.defaultCIDRs = a.DefaultAllowedCIDRs
	owner := tokenOwner{p.TenantID, tokenmint.OwnerApplication, a.ID, tokenmint.KindApplication}
	issued, err := s.issueToken(ctx, owner, typ, applicationGrants(a, s.types.Universe()), in)
	if tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
		// The stores keep the names of an application's tokens that are
		// not revoked unique, without regard to case.
		return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "application %s already has a token named %q (names ignore case); revoke it or choose another name", a.Name, in.Name)
	}
	return issued, err
}

// ListApplicationTokens lists one page of an application's tokens, newest
// first, and the cursor of the next page (the last token's ID; "" on the
// last page). Administrators only.
func (s *Service) ListApplicationTokens(ctx context.Context, appID string, in PageInput) ([]*tokenmint.Token, string, error) {
	p, a, err := s.adminApplication(ctx, appID)
	if err != nil {
		return nil, "", err
	}
	pg, err := in.idPage()
	if err != nil {
		return nil, "", err
	}
	toks, err := s.store.ListTokens(ctx, tokenmint.TokenFilter{
		TenantID: p.TenantID, OwnerKind: tokenmint.OwnerApplication, OwnerID: a.ID, Now: s.Now(),
		Before: pg.After, Limit: pg.Limit,
	})
	if err != nil {
		return nil, "", err
	}
	toks, next := keyPage(toks, pg, func(t *tokenmint.Token) string { return t.ID })
	return toks, next, nil
}
