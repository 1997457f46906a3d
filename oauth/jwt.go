package oauth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"tokenmint"
)

// AccessTokenType is the JOSE "typ" of JWT access tokens (RFC 9068 §2.1).
const AccessTokenType = "at+jwt"

// jwtClaims is the JSON of an access token: the registered claims RFC 9068
// requires plus tokenmint's own.
type jwtClaims struct {
	jwt.Claims
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	Tenant    string `json:"tenant"`
	TenantID  string `json:"tenant_id"`
	OwnerKind string `json:"owner_kind,omitempty"`
	Project   string `json:"project,omitempty"`
	// SourceToken is the ID of the token a token exchange started from.
	SourceToken string `json:"source_token_id,omitempty"`
}

// Sign returns the claims as a JWT signed with the active key.
func (k *KeyRing) Sign(ctx context.Context, c *tokenmint.AccessClaims) (string, error) {
	active, err := k.activeKey(ctx)
	if err != nil {
		return "", err
	}
	jc := jwtClaims{
		Claims: jwt.Claims{
			Issuer: c.Issuer, Subject: c.Subject, Audience: jwt.Audience(c.Audience),
			Expiry: jwt.NewNumericDate(c.ExpiresAt), IssuedAt: jwt.NewNumericDate(c.IssuedAt),
			NotBefore: jwt.NewNumericDate(c.IssuedAt), ID: c.JTI,
		},
		ClientID: c.ClientID, Scope: tokenmint.FormatScope(c.Scope), Tenant: c.Tenant, TenantID: c.TenantID,
		OwnerKind: c.OwnerKind, Project: c.ProjectID, SourceToken: c.SourceTokenID,
	}
	if priv, ok := active.private.(ed25519.PrivateKey); ok {
		return signEdDSA(priv, active.meta.ID, &jc)
	}
	return jwt.Signed(active.signer).Claims(jc).Serialize()
}

// LooksLikeJWT reports whether s has the shape of a compact JWS, so callers
// can route it to Verify without trying it as an opaque token first.
func LooksLikeJWT(s string) bool {
	return strings.Count(s, ".") == 2 && strings.HasPrefix(s, "eyJ")
}

// clockLeeway is the clock difference between instances that nbf and iat
// tolerate.
const clockLeeway = time.Minute

// errInvalid is the answer for every rejected JWT but an expired one:
// callers learn that it is not valid, not why.
var errInvalid = tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "invalid access token")

// errExpired is the answer for a JWT whose signature and issuer hold but
// whose time is up, so its holder knows to obtain a new one rather than
// suspect a misconfiguration.
var errExpired = ErrExpired

// ErrExpired is Verify's answer for an expired JWT, for callers that check
// the expiry of a JWT they verified before.
var ErrExpired = tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "access token has expired; obtain a new one")

// Verify checks a JWT access token: a published key's signature, typ
// at+jwt, the issuer, and that it is not expired at now. It does not check
// revocation, which needs the store; the caller does.
func (k *KeyRing) Verify(ctx context.Context, raw, issuer string) (*tokenmint.AccessClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	if err != nil || len(tok.Headers) != 1 {
		return nil, errInvalid
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, AccessTokenType) &&
		!strings.EqualFold(typ, "application/"+AccessTokenType) {
		return nil, errInvalid
	}
	kk, err := k.publishedKey(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if kk == nil || h.Algorithm != kk.meta.Algorithm {
		return nil, errInvalid
	}
	var jc jwtClaims
	if err := tok.Claims(kk.public, &jc); err != nil {
		return nil, errInvalid
	}
	now := k.cfg.Clock.Now()
	// Instances' clocks differ a little: a token signed by one whose clock
	// runs ahead must not be "not yet valid" on another, so nbf and iat get
	// a leeway. Expiry gets none: it is checked strictly below.
	if err := jc.Claims.ValidateWithLeeway(jwt.Expected{Issuer: issuer, Time: now}, clockLeeway); errors.Is(err, jwt.ErrExpired) {
		return nil, errExpired
	} else if err != nil {
		return nil, errInvalid
	}
	if jc.Expiry == nil || jc.ID == "" || jc.Subject == "" {
		return nil, errInvalid
	}
	// RFC 7519 §4.1.4: the current time must be before exp; the library
	// still accepts a token at exactly exp (and within the leeway).
	if !now.Before(jc.Expiry.Time()) {
		return nil, errExpired
	}
	scope, err := tokenmint.ParseScope(jc.Scope)
	if err != nil {
		return nil, errInvalid
	}
	c := &tokenmint.AccessClaims{
		Issuer: jc.Issuer, Subject: jc.Subject, Audience: jc.Audience,
		ExpiresAt: jc.Expiry.Time().UTC(), JTI: jc.ID, ClientID: jc.ClientID, Scope: scope,
		Tenant: jc.Tenant, TenantID: jc.TenantID, OwnerKind: jc.OwnerKind, ProjectID: jc.Project,
		SourceTokenID: jc.SourceToken, KeyID: h.KeyID,
	}
	if jc.IssuedAt != nil {
		c.IssuedAt = jc.IssuedAt.Time().UTC()
	}
	return c, nil
}
