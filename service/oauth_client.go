package service

import (
	"context"

	"tokenmint"
)

// clientCredentialsGrant lets an application obtain an access token for
// itself (RFC 6749 §4.4). No refresh token is issued: the client can
// always authenticate again.
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
	scope, err := requestedScope(req.Form, holds)
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
	s.audit(actx, cl.app.TenantID, "oauth.token.client_credentials", "access_token", claims.JTI, OutcomeSuccess, "client "+cl.id)
	return res, nil
}
