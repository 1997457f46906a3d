package service

import (
	"context"

	"tokenmint"
)

// clientCredentialsGrant lets an application obtain an access token for
// itself (RFC 6749 §4.4). No refresh token is issued (RFC 6749 §4.4.3: the
// client can always authenticate again), except on the FortiCWP
// compatibility path, whose clients read one and refresh without their
// credential: there the refresh token rotates and its reuse revokes its
// family as for users, and it dies with the credential that obtained it
// (refreshApplication).
type clientCredentialsGrant struct{ s *Service }

func (clientCredentialsGrant) grantType() string { return GrantClientCredentials }

func (g clientCredentialsGrant) handle(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s := g.s
	cl, err := s.authenticateClient(ctx, req)
	if err != nil {
		return nil, err
	}
	if cl.app == nil {
		return nil, oauthErr("invalid_client", "client authentication is required for client_credentials")
	}
	holds := tokenmint.AccessTypePermissions(s.types.Universe(), cl.app.AccessTypes)
	scope, err := s.requestedScope(req.Form, holds)
	if err != nil {
		return nil, err
	}
	res, claims, err := s.issueAccess(ctx, issued{
		tenantID: cl.app.TenantID, subject: cl.app.ID, ownerKind: tokenmint.OwnerApplication,
		clientID: cl.id, scope: scope,
	})
	if err != nil {
		return nil, err
	}
	actx := tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: cl.app.TenantID, ApplicationID: cl.app.ID})
	if req.ClientRefresh {
		r, plain, err := s.startRefreshFamily(ctx, claims)
		if err != nil {
			return nil, err
		}
		res.RefreshToken = plain
		s.audit(actx, cl.app.TenantID, "oauth.token.client_credentials", "refresh_family", r.FamilyID, OutcomeSuccess, "client "+cl.id+", with a refresh token (FortiCWP path)")
		return res, nil
	}
	s.audit(actx, cl.app.TenantID, "oauth.token.client_credentials", "access_token", claims.JTI, OutcomeSuccess, "client "+cl.id)
	return res, nil
}
