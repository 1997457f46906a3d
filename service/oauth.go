package service

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"tokenmint"
	"tokenmint/oauth"
	"tokenmint/secret"
)

// OAuth2 grant types and token types this server knows.
const (
	GrantPassword          = "password"
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeJWT           = "urn:ietf:params:oauth:token-type:jwt"
	TokenTypeRefreshToken  = "urn:ietf:params:oauth:token-type:refresh_token"
)

// OAuthError is an error answer of RFC 6749 §5.2. Description is safe to
// show; it never holds a secret.
type OAuthError struct {
	Code        string // invalid_request, invalid_client, invalid_grant, ...
	Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

func oauthErr(code, format string, args ...any) error {
	return &OAuthError{Code: code, Description: fmt.Sprintf(format, args...)}
}

// TokenRequest is a call of the token endpoint.
type TokenRequest struct {
	Form url.Values
	// Basic holds HTTP Basic credentials when the request carried them.
	Basic *BasicAuth
	// ClientRefresh asks client_credentials for a refresh token too: the
	// FortiCWP compatibility path, whose clients read one
	// (oauth_client.go).
	ClientRefresh bool
}

// BasicAuth is the user and password of an HTTP Basic header.
type BasicAuth struct{ User, Password string }

// TokenResponse is the successful answer of RFC 6749 §5.1, plus expires
// (epoch milliseconds) and, for token exchange, issued_token_type.
type TokenResponse struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type,omitempty"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int64  `json:"expires_in"`
	Scope           string `json:"scope"`
	RefreshToken    string `json:"refresh_token,omitempty"`
	Expires         int64  `json:"expires"`
}

// grantHandler is one grant type: the token endpoint finds the handler of
// the request's grant_type and lets it answer. Adding a grant is adding a
// file with one of these.
type grantHandler interface {
	grantType() string
	handle(ctx context.Context, req *TokenRequest) (*TokenResponse, error)
}

func (s *Service) grants() []grantHandler {
	return []grantHandler{passwordGrant{s}, clientCredentialsGrant{s}, refreshGrant{s}, exchangeGrant{s}}
}

// Token answers the token endpoint. Errors are *OAuthError, a
// *RateLimitError, or an internal error.
func (s *Service) Token(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	gt := req.Form.Get("grant_type")
	if gt == "" {
		return nil, oauthErr("invalid_request", "grant_type is required")
	}
	for _, g := range s.grants() {
		if g.grantType() == gt {
			res, err := g.handle(ctx, req)
			return res, oauthDomainErr(err)
		}
	}
	return nil, oauthErr("unsupported_grant_type", "grant_type %q is not supported", gt)
}

// oauthDomainErr maps the domain errors grants may meet on their way to
// OAuth errors; internal and rate-limit errors pass through.
func oauthDomainErr(err error) error {
	var oe *OAuthError
	var rl *RateLimitError
	if err == nil || errors.As(err, &oe) || errors.As(err, &rl) {
		return err
	}
	switch tokenmint.ErrorCode(err) {
	case tokenmint.EUNAUTHORIZED, tokenmint.EFORBIDDEN, tokenmint.ENOTFOUND:
		return oauthErr("invalid_grant", "%s", tokenmint.ErrorMessage(err))
	case tokenmint.EINVALID:
		return oauthErr("invalid_request", "%s", tokenmint.ErrorMessage(err))
	}
	return err
}

// client is an authenticated OAuth client, or a public one (app nil, id
// ""), which may have named an unproven client_id (claimed).
type client struct {
	id      string
	claimed string
	app     *tokenmint.Application
	cred    *tokenmint.ClientCredential
}

// claimID is the client_id claim of tokens issued to c: the registered
// client when it authenticated, else the fixed public client. An unproven
// client_id never appears in a token as if it were a registered client.
func (c *client) claimID() string {
	if c.app != nil {
		return c.id
	}
	return publicClientID
}

// auditDetail names the client in audit entries, with the client_id an
// unauthenticated caller named (cut short: it is the caller's free text).
func (c *client) auditDetail() string {
	if c.app != nil || c.claimed == "" {
		return "client " + c.claimID()
	}
	claimed := c.claimed
	if len(claimed) > 64 {
		claimed = claimed[:64] + "..."
	}
	return fmt.Sprintf("client %s (public; client_id %q named, not registered)", publicClientID, claimed)
}

// authenticateClient finds the client of a request: HTTP Basic
// client_id:client_secret (or the opaque credential, which is the same
// thing base64-encoded), or client_id and client_secret form fields. A
// client_id without any secret is a public client. Failures are throttled
// per client_id and per IP like password logins.
func (s *Service) authenticateClient(ctx context.Context, req *TokenRequest) (*client, error) {
	id, sec, hasSecret := req.Form.Get("client_id"), req.Form.Get("client_secret"), req.Form.Has("client_secret")
	if req.Basic != nil {
		if req.Form.Has("client_secret") {
			return nil, oauthErr("invalid_request", "use one client authentication method, not several")
		}
		bid, err1 := url.QueryUnescape(req.Basic.User)
		bsec, err2 := url.QueryUnescape(req.Basic.Password)
		if err1 != nil || err2 != nil {
			return nil, oauthErr("invalid_client", "malformed client credentials")
		}
		if id != "" && id != bid {
			return nil, oauthErr("invalid_request", "client_id differs from the authenticated client")
		}
		id, sec, hasSecret = bid, bsec, bsec != ""
	}
	if !hasSecret {
		if id != "" {
			// A registered client must authenticate: its ID alone must not
			// let anyone obtain tokens naming it. IDs of the registered form
			// are reserved even once their application is deleted.
			if isRegisteredClientID(id) {
				return nil, oauthErr("invalid_client", "client authentication is required for this client")
			}
			_, err := s.store.ClientCredentialByClientID(ctx, id)
			if err == nil {
				return nil, oauthErr("invalid_client", "client authentication is required for this client")
			} else if tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
				return nil, err
			}
		}
		return &client{claimed: id}, nil
	}
	if id == "" {
		return nil, oauthErr("invalid_client", "client_id is required with client_secret")
	}
	// Client IDs are not secret, so failures are counted per client ID and
	// IP, not per client ID alone: anyone could otherwise lock a client
	// out. Client secrets are high-entropy and checked with one HMAC, not
	// a password hash: the limit only stops an IP from flooding the
	// endpoint with guesses. Only failures are written to the store
	// (shared by the instances); a blocked key is then refused from memory,
	// so a success costs no store access.
	ip := throttleKey(ClientIPFromContext(ctx))
	keys := []limitKey{
		{attemptKey("client ci", id, ip), clientFailuresPerMinute},
		{attemptKey("client ip", ip), clientFailuresPerMinute},
	}
	if err := s.failureBlocked(keys); err != nil {
		return nil, err
	}
	fail := func(tenantID, objID, why string) error {
		s.audit(ctx, tenantID, "oauth.client.authenticate", "client_credential", objID, OutcomeFailure, why)
		if err := s.countFailure(ctx, keys); err != nil {
			return err
		}
		return oauthErr("invalid_client", "client authentication failed")
	}
	c, app, err := s.clientByID(ctx, id)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND && c == nil {
		return nil, fail("", "", "unknown client")
	} else if err != nil && tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		return nil, err
	}
	if subtle.ConstantTimeCompare(c.SecretHash, s.hasher.Hash(sec)) != 1 {
		return nil, fail(c.TenantID, c.ID, "wrong secret")
	}
	if c.RevokedAt != nil {
		return nil, fail(c.TenantID, c.ID, "credential revoked")
	}
	if app == nil {
		return nil, fail(c.TenantID, c.ID, "application deleted")
	}
	if !app.Enabled {
		return nil, fail(c.TenantID, c.ID, "application disabled")
	}
	s.touchCredential(ctx, c)
	return &client{id: id, app: app, cred: c}, nil
}

// credentialTouchEvery is how stale a credential's recorded last use may
// get: a client authenticating many times a minute (introspection by a busy
// resource server) costs one write a minute, not one per call.
const credentialTouchEvery = time.Minute

// touchCredential records that c authenticated now. A failure is logged:
// the last use is governance information, not part of the grant.
func (s *Service) touchCredential(ctx context.Context, c *tokenmint.ClientCredential) {
	now := s.Now()
	if !s.touches.due(c, now) {
		return
	}
	s.touches.done(c.ID, now)
	if err := s.store.TouchClientCredential(ctx, c.ID, now); err != nil {
		s.log.Warn("recording a client credential's last use failed", "credential", c.ID, "err", err)
	}
}

// issued is what issueAccess needs to know about a grant's outcome.
type issued struct {
	tenantID  string
	subject   string
	ownerKind string
	clientID  string
	scope     []tokenmint.Permission
	projectID string
	// notAfter caps the lifetime (token exchange: the subject token's).
	notAfter *time.Time
	// sourceTokenID is the subject token of a token exchange.
	sourceTokenID string
}

// issueAccess signs a JWT access token with the tenant policy's lifetime.
func (s *Service) issueAccess(ctx context.Context, in issued) (*TokenResponse, *tokenmint.AccessClaims, error) {
	pol, err := s.tenantPolicy(ctx, in.tenantID)
	if err != nil {
		return nil, nil, err
	}
	tenant, err := s.TenantName(ctx, in.tenantID)
	if err != nil {
		return nil, nil, err
	}
	// JWT times are whole seconds; starting from a whole second keeps
	// expires_in exactly the policy's lifetime.
	now := s.Now().Truncate(time.Second)
	exp := now.Add(time.Duration(pol.AccessTokenTTL) * time.Second)
	if in.notAfter != nil && in.notAfter.Before(exp) {
		exp = in.notAfter.Truncate(time.Second)
	}
	if !exp.After(now) {
		return nil, nil, oauthErr("invalid_grant", "the subject expires too soon")
	}
	c := &tokenmint.AccessClaims{
		Issuer: s.cfg.Issuer, Subject: in.subject, Audience: []string{s.cfg.Issuer},
		IssuedAt: now, ExpiresAt: exp, JTI: secret.NewID(), ClientID: in.clientID, Scope: in.scope,
		Tenant: tenant, TenantID: in.tenantID, OwnerKind: in.ownerKind, ProjectID: in.projectID,
		SourceTokenID: in.sourceTokenID,
	}
	jwt, err := s.cfg.Keys.Sign(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return &TokenResponse{
		AccessToken: jwt, TokenType: "Bearer", ExpiresIn: int64(exp.Sub(now) / time.Second),
		Scope: tokenmint.FormatScope(in.scope), Expires: exp.UnixMilli(),
	}, c, nil
}

// newRefresh returns a new refresh token and its secret, in the family
// given or a new one.
func (s *Service) newRefresh(ctx context.Context, family string, c *tokenmint.AccessClaims) (*tokenmint.RefreshToken, string, error) {
	pol, err := s.tenantPolicy(ctx, c.TenantID)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	if family == "" {
		family = secret.NewID()
	}
	plain := secret.NewToken(tokenmint.KindRefresh)
	return &tokenmint.RefreshToken{
		ID: secret.NewID(), TenantID: c.TenantID, FamilyID: family, UserID: c.Subject, ClientID: c.ClientID,
		Scope: c.Scope, CreatedAt: now, ExpiresAt: now.Add(time.Duration(pol.RefreshTokenTTL) * time.Second),
		AccessJTI: c.JTI, AccessExpiresAt: c.ExpiresAt,
	}, plain, nil
}

// startRefreshFamily stores the first refresh token of a new family for
// the access token of c and returns it with its secret.
func (s *Service) startRefreshFamily(ctx context.Context, c *tokenmint.AccessClaims) (*tokenmint.RefreshToken, string, error) {
	r, plain, err := s.newRefresh(ctx, "", c)
	if err != nil {
		return nil, "", err
	}
	if err := s.store.CreateRefreshToken(ctx, r, s.hasher.Hash(plain)); err != nil {
		return nil, "", err
	}
	return r, plain, nil
}

// Keys returns the key ring that signs JWT access tokens.
func (s *Service) Keys() *oauth.KeyRing { return s.cfg.Keys }

// Issuer returns the OAuth2 issuer identifier.
func (s *Service) Issuer() string { return s.cfg.Issuer }

// isRegisteredClientID reports whether id has the form of the client IDs
// tokenmint issues to applications: such a client is confidential, and
// only its secret lets anyone act as it.
func isRegisteredClientID(id string) bool { return strings.HasPrefix(id, clientIDPrefix) }
