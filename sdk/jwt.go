package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

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

// verifyJWT checks a JWT access token offline: signature by a key of the
// JWKS, typ at+jwt, issuer, expiry, and the scope holding the permission.
func (v *Verifier) verifyJWT(ctx context.Context, raw, permission, project string) (*Identity, error) {
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
	if err := c.Claims.ValidateWithLeeway(jwt.Expected{Issuer: iss, Time: now}, 0); err != nil || c.Expiry == nil || !now.Before(c.Expiry.Time()) {
		return nil, invalidToken("expired or not for this issuer")
	}
	perms := strings.Fields(c.Scope)
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

// jwksMaxAge is how long a fetched JWKS is trusted before it is fetched
// again.
const jwksMaxAge = time.Hour

// jwksCache holds the server's public keys. An unknown kid refetches the
// set (a rotation happened), at most once per JWKSRefreshInterval.
type jwksCache struct {
	v *Verifier

	mu        sync.Mutex
	keys      map[string]*jose.JSONWebKey
	fetchedAt time.Time
}

func (j *jwksCache) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.v.cfg.Now()
	// Keys are trusted for jwksMaxAge, so a key the server stopped
	// publishing (retired, or withdrawn) is dropped here too.
	if k, ok := j.keys[kid]; ok && now.Sub(j.fetchedAt) < jwksMaxAge {
		return k, nil
	}
	if j.keys != nil && now.Sub(j.fetchedAt) < j.v.cfg.JWKSRefreshInterval {
		return j.keys[kid], nil
	}
	var set jose.JSONWebKeySet
	if err := j.v.getJSON(ctx, "/.well-known/jwks.json", &set); err != nil {
		if j.keys == nil {
			return nil, &Error{Status: http.StatusServiceUnavailable, Description: "cannot fetch the token server's JWKS"}
		}
		// Server unreachable: keep using the keys we have.
		return j.keys[kid], nil
	}
	j.keys, j.fetchedAt = map[string]*jose.JSONWebKey{}, now
	for i := range set.Keys {
		k := set.Keys[i]
		if k.Use == "" || k.Use == "sig" {
			j.keys[k.KeyID] = &k
		}
	}
	return j.keys[kid], nil
}
