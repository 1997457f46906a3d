package service

import (
	"context"
	"net/netip"

	"tokenmint"
	"tokenmint/oauth"
)

// IntrospectRequest is a call of the introspection endpoint (RFC 7662).
// The caller authenticates as an application (Basic or form client
// credentials) or with a token (Bearer) that holds tokens:introspect.
type IntrospectRequest struct {
	TokenRequest
	Bearer string
}

// Introspection is the answer of RFC 7662 §2.2. An inactive token is
// {"active": false} and nothing else.
type Introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	JTI       string   `json:"jti,omitempty"`
	Tenant    string   `json:"tenant,omitempty"`
	OwnerKind string   `json:"owner_kind,omitempty"`
	Project   string   `json:"project,omitempty"`
}

// IntrospectPermission is what a token must hold to call introspection.
const IntrospectPermission tokenmint.Permission = "tokens:introspect"

// introspectionCaller authenticates the caller and returns its tenant: an
// application holding tokens:introspect, or a token holding it.
func (s *Service) introspectionCaller(ctx context.Context, req *IntrospectRequest) (string, error) {
	if req.Basic != nil || req.Form.Has("client_secret") {
		cl, err := s.authenticateClient(ctx, &req.TokenRequest)
		if err != nil {
			return "", err
		}
		if cl.app != nil {
			// Introspection shows who holds a token and what it may do:
			// only applications granted it (the introspect access type,
			// or the permission itself) may ask.
			if !tokenmint.AccessTypesAllow(s.types.Universe(), cl.app.AccessTypes, IntrospectPermission) {
				return "", tokenmint.Errorf(tokenmint.EFORBIDDEN, "the application lacks %s (access type %q)", IntrospectPermission, tokenmint.AccessIntrospect)
			}
			return cl.app.TenantID, nil
		}
	}
	if req.Bearer != "" {
		res, err := s.Verify(ctx, VerifyRequest{Token: req.Bearer, Permission: IntrospectPermission, IP: ClientIPFromContext(ctx)})
		switch code := tokenmint.ErrorCode(err); code {
		case "":
		case tokenmint.EFORBIDDEN:
			return "", tokenmint.Errorf(tokenmint.EFORBIDDEN, "the token lacks %s", IntrospectPermission)
		case tokenmint.EUNAUTHORIZED, tokenmint.EINVALID, tokenmint.ENOTFOUND:
			return "", oauthErr("invalid_client", "the caller's token is not valid: %s", tokenmint.ErrorMessage(err))
		default:
			// An outage is not a bad credential: the caller must not be
			// told to drop a token that is fine.
			return "", err
		}
		return res.Token.TenantID, nil
	}
	return "", oauthErr("invalid_client", "authenticate as an application or with a token holding %s", IntrospectPermission)
}

// Introspect reports whether a token is active and what it may do: JWT
// access tokens, refresh tokens and opaque tokenmint tokens. Tokens of
// another tenant than the caller's are inactive.
func (s *Service) Introspect(ctx context.Context, req *IntrospectRequest) (*Introspection, error) {
	tenantID, err := s.introspectionCaller(ctx, req)
	if err != nil {
		return nil, err
	}
	raw := req.Form.Get("token")
	if raw == "" {
		return nil, oauthErr("invalid_request", "token is required")
	}
	// client_ip (an extension of RFC 7662, like the IP a forward-auth
	// proxy passes to verify) names the address the token was presented
	// from; a token blocked for it is inactive.
	ip := req.Form.Get("client_ip")
	if ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return nil, oauthErr("invalid_request", "client_ip is not an IP address")
		}
		ip = addr.Unmap().String()
	}
	out, err := s.inspect(ctx, raw, ip)
	if err != nil {
		return nil, err
	}
	if out == nil || out.tenantID != tenantID {
		return &Introspection{Active: false}, nil
	}
	return &out.Introspection, nil
}

type inspected struct {
	Introspection
	tenantID string
}

// inspect returns what a token is, or nil when it is not active. Only
// internal errors are errors.
func (s *Service) inspect(ctx context.Context, raw, ip string) (*inspected, error) {
	inactive := func(err error) (*inspected, error) {
		switch tokenmint.ErrorCode(err) {
		case tokenmint.EUNAUTHORIZED, tokenmint.EFORBIDDEN, tokenmint.EINVALID, tokenmint.ENOTFOUND:
			return nil, nil
		}
		return nil, err
	}
	if oauth.LooksLikeJWT(raw) {
		var tenantID string // introspection counts no failures
		res, err := s.verifyJWT(ctx, VerifyRequest{Token: raw, IP: ip, Inspect: true}, &tenantID)
		if err != nil {
			return inactive(err)
		}
		c := res.Claims // verified once, then from the cache of verified JWTs
		return &inspected{tenantID: c.TenantID, Introspection: Introspection{
			Active: true, Scope: tokenmint.FormatScope(res.SortedPermissions()), ClientID: c.ClientID, TokenType: "Bearer",
			Exp: c.ExpiresAt.Unix(), Iat: c.IssuedAt.Unix(), Sub: c.Subject, Aud: c.Audience, Iss: c.Issuer,
			JTI: c.JTI, Tenant: c.Tenant, OwnerKind: c.OwnerKind, Project: c.ProjectID,
		}}, nil
	}
	plain, kind, err := tokenmint.ParseToken(raw)
	if err != nil {
		return nil, nil
	}
	if kind == tokenmint.KindRefresh {
		r, err := s.store.RefreshTokenByHash(ctx, s.hasher.Hash(plain))
		if err != nil {
			return inactive(err)
		}
		if !r.Active(s.Now()) {
			return nil, nil
		}
		ownerKind := tokenmint.OwnerUser
		if app, err := s.refreshApplication(ctx, r); err != nil {
			return inactive(err)
		} else if app != nil {
			ownerKind = tokenmint.OwnerApplication
		}
		tenant, err := s.TenantName(ctx, r.TenantID)
		if err != nil {
			return nil, err
		}
		return &inspected{tenantID: r.TenantID, Introspection: Introspection{
			Active: true, Scope: tokenmint.FormatScope(r.Scope), ClientID: r.ClientID, TokenType: "refresh_token",
			Exp: r.ExpiresAt.Unix(), Iat: r.CreatedAt.Unix(), Sub: r.UserID, Iss: s.cfg.Issuer,
			Tenant: tenant, OwnerKind: ownerKind,
		}}, nil
	}
	res, err := s.Verify(ctx, VerifyRequest{Token: raw, Inspect: true, IP: ip})
	if err != nil {
		return inactive(err)
	}
	tenant, err := s.TenantName(ctx, res.Token.TenantID)
	if err != nil {
		return nil, err
	}
	out := &inspected{tenantID: res.Token.TenantID, Introspection: Introspection{
		Active: true, Scope: tokenmint.FormatScope(res.SortedPermissions()), TokenType: "Bearer",
		Iat: res.Token.CreatedAt.Unix(), Sub: res.Token.OwnerID, Iss: s.cfg.Issuer, JTI: res.Token.ID,
		Tenant: tenant, OwnerKind: res.Token.OwnerKind, Project: res.ProjectID,
	}}
	if exp := res.ExpiresAt(); exp != nil {
		out.Exp = exp.Unix()
	}
	return out, nil
}

// Revoke is the revocation endpoint (RFC 7009): refresh tokens (with their
// family), JWT access tokens (by jti) and opaque tokenmint tokens. An
// unknown or invalid token is not an error. An authenticated client can
// revoke only tokens of its tenant, and a refresh token only if issued to
// it.
func (s *Service) Revoke(ctx context.Context, req *TokenRequest) error {
	raw := req.Form.Get("token")
	if raw == "" {
		return oauthErr("invalid_request", "token is required")
	}
	cl, err := s.authenticateClient(ctx, req)
	if err != nil {
		return err
	}
	tenantOK := func(tenantID string) bool { return cl.app == nil || cl.app.TenantID == tenantID }
	now := s.Now()
	if oauth.LooksLikeJWT(raw) {
		c, err := s.cfg.Keys.Verify(ctx, raw, s.cfg.Issuer)
		if err != nil || !tenantOK(c.TenantID) {
			return ignoreInvalid(err)
		}
		if err := s.revokeAccessToken(ctx, &tokenmint.RevokedAccessToken{
			JTI: c.JTI, TenantID: c.TenantID, ExpiresAt: c.ExpiresAt, RevokedAt: now,
		}); err != nil {
			return err
		}
		s.audit(ctx, c.TenantID, "oauth.revoke", "access_token", c.JTI, OutcomeSuccess, "")
		return nil
	}
	plain, kind, err := tokenmint.ParseToken(raw)
	if err != nil {
		return nil
	}
	if kind == tokenmint.KindRefresh {
		r, err := s.store.RefreshTokenByHash(ctx, s.hasher.Hash(plain))
		if err != nil || !tenantOK(r.TenantID) || (cl.id != "" && cl.id != r.ClientID) {
			return ignoreInvalid(err)
		}
		if err := s.revokeFamily(ctx, r.FamilyID); err != nil {
			return err
		}
		s.audit(ctx, r.TenantID, "oauth.revoke", "refresh_family", r.FamilyID, OutcomeSuccess, "")
		return nil
	}
	e, err := s.lookupSecret(ctx, plain)
	if err != nil {
		return ignoreInvalid(err)
	}
	if !tenantOK(e.tenantID()) || storedStatuses[e.status] == tokenmint.StatusRevoked || secretRetired(e.validUntil(), now) {
		return nil
	}
	// The cache keeps only what verification reads; revoking needs the
	// whole token (its version, and its name for the event).
	full, err := s.store.TokenByID(ctx, e.tenantID(), e.tokenID())
	if err != nil {
		return ignoreInvalid(err)
	}
	tok := *full
	if revoked, err := s.revokeStored(ctx, &tok, now); err != nil || !revoked {
		return err
	}
	s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
	s.audit(ctx, tok.TenantID, "token.revoke", "token", tok.ID, OutcomeSuccess, "revoked through /oauth/revoke")
	s.emit(ctx, tokenmint.EventTokenRevoked, &tok, "revoked through /oauth/revoke")
	return nil
}

// ignoreInvalid drops the errors that mean "no such valid token", which
// revocation answers with success (RFC 7009 §2.2).
func ignoreInvalid(err error) error {
	switch tokenmint.ErrorCode(err) {
	case tokenmint.EUNAUTHORIZED, tokenmint.ENOTFOUND, tokenmint.EINVALID, tokenmint.EFORBIDDEN:
		return nil
	}
	return err
}

// revokeAccessToken records a JWT's jti as revoked and announces it: this
// instance refuses the JWT at once, the others when the announcement
// arrives (with PostgreSQL, at the write's commit).
func (s *Service) revokeAccessToken(ctx context.Context, r *tokenmint.RevokedAccessToken) error {
	ch := Change{Kind: ChangeAccessToken, TenantID: r.TenantID, ID: r.JTI}
	if err := s.store.RevokeAccessToken(s.announcing(ctx, ch), r); err != nil {
		return err
	}
	s.changed(ctx, ch)
	return nil
}
