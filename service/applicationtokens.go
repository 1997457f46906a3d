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
	}
	owner := tokenOwner{p.TenantID, tokenmint.OwnerApplication, a.ID, tokenmint.KindApplication}
	return s.issueToken(ctx, owner, typ, applicationGrants(a, s.types.Universe()), in)
}

// ListApplicationTokens lists an application's tokens, newest first.
// Administrators only.
func (s *Service) ListApplicationTokens(ctx context.Context, appID string) ([]*tokenmint.Token, error) {
	p, a, err := s.adminApplication(ctx, appID)
	if err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, tokenmint.TokenFilter{
		TenantID: p.TenantID, OwnerKind: tokenmint.OwnerApplication, OwnerID: a.ID, Now: s.Now(), Limit: 500,
	})
}
