package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func looksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 && strings.HasPrefix(s, "eyJ") }

type accessClaims struct {
	jwt.Claims
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	Tenant    string `json:"tenant"`
	OwnerKind string `json:"owner_kind"`
	Project   string `json:"project"`
}

func invalidToken(desc string) error {
	return &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Description: desc}
}

// verifyJWT checks a JWT access token: offline, a signature by a key of
// the JWKS, typ at+jwt, issuer, audience, times and tenant; then, unless
// Config.OfflineJWT, that the server still accepts it; last, that the
// scope holds the permission.
func (v *Verifier) verifyJWT(ctx context.Context, raw, permission, project string) (*Identity, error) {
	c, err := v.parseJWT(ctx, raw)
	if err != nil {
		return nil, err
	}
	if err := v.checkTenant(c.Tenant); err != nil {
		return nil, err
	}
	perms := strings.Fields(c.Scope)
	if !v.cfg.OfflineJWT {
		if perms, err = v.stillValid(ctx, raw, permission); err != nil {
			return nil, err
		}
	}
	if permission != "" && !slices.Contains(perms, permission) {
		return nil, &Error{Status: http.StatusForbidden, Code: "insufficient_scope", Description: "the token's scope lacks " + permission, Scope: permission}
	}
	if project != "" && c.Project != "" && project != c.Project {
		return nil, &Error{Status: http.StatusForbidden, Code: "insufficient_scope", Description: "the token is limited to another project"}
	}
	exp := c.Expiry.Time().UTC()
	return &Identity{
		Subject: c.Subject, Tenant: c.Tenant, OwnerKind: c.OwnerKind, TokenID: c.ID, Type: "JWTAccessToken",
		ClientID: c.ClientID, Project: c.Project, Permissions: perms, ExpiresAt: &exp, JWT: true,
	}, nil
}

// parseJWT checks what can be checked without asking the server.
func (v *Verifier) parseJWT(ctx context.Context, raw string) (*accessClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	if err != nil || len(tok.Headers) != 1 {
		return nil, invalidToken("malformed access token")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
		return nil, invalidToken("not an access token (typ)")
	}
	key, err := v.jwks.key(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if key == nil || key.Algorithm != h.Algorithm {
		return nil, invalidToken("unknown signing key")
	}
	var c accessClaims
	if err := tok.Claims(key.Key, &c); err != nil {
		return nil, invalidToken("bad signature")
	}
	iss, err := v.expectedIssuer(ctx)
	if err != nil {
		return nil, err
	}
	now := v.cfg.Now()
	if c.Issuer != iss {
		return nil, invalidToken("not issued by this token server")
	}
	if v.cfg.Audience != "" && !c.Audience.Contains(v.cfg.Audience) {
		return nil, invalidToken("the token is not for this audience")
	}
	// Leeway covers iat and nbf only (a token from a clock a little
	// ahead); exp is checked strictly below, since RFC 7519 wants now
	// before exp and leeway there would outlive what the server granted.
	if c.Claims.ValidateWithLeeway(jwt.Expected{Time: now}, v.cfg.Leeway) != nil {
		return nil, invalidToken("expired or not yet valid")
	}
	if c.Expiry == nil || !now.Before(c.Expiry.Time()) {
		return nil, invalidToken("expired")
	}
	return &c, nil
}

// stillValid asks the server whether a JWT that passed the offline checks
// is still good (not revoked, its owner still enabled) and returns the
// permissions of its scope its owner holds now. The question carries no
// permission or project, so its answer is cached once per token for
// CacheTTL whatever the requests ask; the scope check is ours.
//
// An unreachable server is a 503, not an acceptance: the default promises
// that a revoked JWT is refused within CacheTTL, and accepting whenever
// the server fails would let an outage (or anyone able to cause one)
// stretch that to the token's expiry. Config.OfflineJWT is the explicit
// choice of availability over revocation.
func (v *Verifier) stillValid(ctx context.Context, raw, permission string) ([]string, error) {
	id, err := v.verifyRemote(ctx, raw, "", "")
	var e *Error
	if errors.As(err, &e) && e.Code == "insufficient_scope" {
		// The owner no longer holds anything of the scope.
		return nil, &Error{Status: e.Status, Code: e.Code, Description: e.Description, Scope: permission}
	} else if err != nil {
		return nil, err
	}
	return id.Permissions, nil
}

// expectedIssuer is Config.Issuer or the issuer the server publishes.
func (v *Verifier) expectedIssuer(ctx context.Context) (string, error) {
	v.issMu.Lock()
	defer v.issMu.Unlock()
	if v.issuer != "" {
		return v.issuer, nil
	}
	var md struct {
		Issuer string `json:"issuer"`
	}
	if err := v.getJSON(ctx, "/.well-known/oauth-authorization-server", &md); err != nil || md.Issuer == "" {
		return "", &Error{Status: http.StatusServiceUnavailable, Description: "cannot read the token server's metadata"}
	}
	v.issuer = md.Issuer
	return v.issuer, nil
}

func (v *Verifier) getJSON(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(v.cfg.ServerURL, "/")+path, nil)
	if err != nil {
		return err
	}
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}
