package service

import (
	"context"

	"tokenmint"
	"tokenmint/oauth"
)

// exchangeGrant is token exchange (RFC 8693): a long-lived tokenmint token
// is exchanged for a short-lived JWT access token carrying the same or
// narrower permissions, which resource servers can verify offline.
type exchangeGrant struct{ s *Service }

func (exchangeGrant) grantType() string { return GrantTokenExchange }

func (g exchangeGrant) handle(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s := g.s
	subject := req.Form.Get("subject_token")
	if subject == "" {
		return nil, oauthErr("invalid_request", "subject_token is required")
	}
	if tt := req.Form.Get("subject_token_type"); tt != TokenTypeAccessToken {
		return nil, oauthErr("invalid_request", "subject_token_type must be %s", TokenTypeAccessToken)
	}
	switch req.Form.Get("requested_token_type") {
	case "", TokenTypeAccessToken, TokenTypeJWT:
	default:
		return nil, oauthErr("invalid_request", "requested_token_type must be %s", TokenTypeAccessToken)
	}
	if req.Form.Has("actor_token") {
		return nil, oauthErr("invalid_request", "actor_token is not supported")
	}
	cl, err := s.authenticateClient(ctx, req)
	if err != nil {
		return nil, err
	}
	if oauth.LooksLikeJWT(subject) {
		return nil, oauthErr("invalid_grant", "subject_token must be a tokenmint token, not a JWT")
	}
	invalid := func(err error) error {
		if code := tokenmint.ErrorCode(err); code == tokenmint.EUNAUTHORIZED || code == tokenmint.EFORBIDDEN {
			return oauthErr("invalid_grant", "subject_token is not valid: %s", tokenmint.ErrorMessage(err))
		}
		return err
	}
	// Looked at first without spending a use: a limited-use token is
	// refused before its use is gone.
	look, err := s.Verify(ctx, VerifyRequest{Token: subject, IP: ClientIPFromContext(ctx), Inspect: true})
	if err != nil {
		return nil, invalid(err)
	}
	if look.SecretValidUntil != nil {
		// A secret rotated away may verify until its grace period ends and
		// do nothing else: a JWT minted from it would be a new credential.
		s.audit(ctx, look.Token.TenantID, "token.retired_secret_use", "token", look.Token.ID, OutcomeDenied, "token exchange with a rotated-away secret")
		return nil, oauthErr("invalid_grant", "subject_token is a secret replaced by rotation: during its grace period it may only be verified; exchange the new secret")
	}
	if look.Token.MaxUses > 0 {
		// A JWT can be presented any number of times until it expires:
		// exchanging a token limited to N uses would lift its limit.
		return nil, oauthErr("invalid_grant", "subject_token is a limited-use token (type %s, %d use(s)) and cannot be exchanged; present it directly", look.Token.Type, look.Token.MaxUses)
	}
	res, err := s.Verify(ctx, VerifyRequest{Token: subject, IP: ClientIPFromContext(ctx)})
	if err != nil {
		return nil, invalid(err)
	}
	tok := res.Token
	if cl.app != nil && cl.app.TenantID != tok.TenantID {
		return nil, oauthErr("invalid_grant", "subject_token is not valid")
	}
	scope, err := s.requestedScope(req.Form, res.Permissions)
	if err != nil {
		return nil, err
	}
	clientID := tok.ID // without client authentication the token acts as its own client
	if cl.app != nil {
		clientID = cl.id
	}
	out, claims, err := s.issueAccess(ctx, issued{
		tenantID: tok.TenantID, subject: tok.OwnerID, ownerKind: tok.OwnerKind, clientID: clientID,
		scope: scope, projectID: tok.ProjectID, notAfter: res.ExpiresAt(), sourceTokenID: tok.ID,
	})
	if err != nil {
		return nil, err
	}
	out.IssuedTokenType = TokenTypeAccessToken
	tctx := tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: tok.TenantID, Token: tok})
	s.audit(tctx, tok.TenantID, "oauth.token.exchange", "access_token", claims.JTI, OutcomeSuccess, "token "+tok.ID)
	return out, nil
}
