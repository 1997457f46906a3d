package service

import (
	"context"
	"strings"

	"tokenmint"
)

// passwordGrant is the resource owner password credentials grant (RFC 6749
// §4.3). acr_values=Tenant:NAME picks the tenant; without it the default
// tenant is meant.
type passwordGrant struct{ s *Service }

func (passwordGrant) grantType() string { return GrantPassword }

// tenantFromACR returns NAME of the first "Tenant:NAME" in acr_values.
func tenantFromACR(acr string) string {
	for _, v := range strings.Fields(acr) {
		if name, ok := strings.CutPrefix(v, "Tenant:"); ok {
			return name
		}
	}
	return ""
}

func (g passwordGrant) handle(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s := g.s
	username, password := req.Form.Get("username"), req.Form.Get("password")
	if username == "" || !req.Form.Has("password") {
		return nil, oauthErr("invalid_request", "username and password are required")
	}
	cl, err := s.authenticateClient(ctx, req)
	if err != nil {
		return nil, err
	}
	tenantName := tenantFromACR(req.Form.Get("acr_values"))
	u, err := s.CheckPassword(ctx, tenantName, username, password)
	if err != nil {
		if tokenmint.ErrorCode(err) == tokenmint.EUNAUTHORIZED {
			return nil, oauthErr("invalid_grant", "invalid username, password or tenant")
		}
		return nil, err
	}
	if cl.app != nil && cl.app.TenantID != u.TenantID {
		// A confidential client of one tenant never obtains tokens of another.
		return nil, oauthErr("invalid_grant", "invalid username, password or tenant")
	}
	grants, err := s.userGrants(ctx, u)
	if err != nil {
		return nil, err
	}
	scope, err := requestedScope(req.Form, s.tenantPermissions(grants))
	if err != nil {
		return nil, err
	}
	clientID := cl.id
	if clientID == "" {
		clientID = "tokenmint"
	}
	res, claims, err := s.issueAccess(ctx, issued{
		tenantID: u.TenantID, subject: u.ID, ownerKind: tokenmint.OwnerUser, clientID: clientID, scope: scope,
	})
	if err != nil {
		return nil, err
	}
	r, plain, err := s.newRefresh(ctx, "", claims)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateRefreshToken(ctx, r, s.hasher.Hash(plain)); err != nil {
		return nil, err
	}
	res.RefreshToken = plain
	uctx := tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: u.TenantID, User: u})
	s.audit(uctx, u.TenantID, "oauth.token.password", "refresh_family", r.FamilyID, OutcomeSuccess, "client "+clientID)
	return res, nil
}
