// Package sdk lets a Go resource server accept tokenmint tokens. Its
// middleware verifies opaque tokens (tmu_/tma_…) through the server's
// forward-auth endpoint, caching each answer for CacheTTL (default 5 s).
// JWT access tokens are checked against the server's JWKS (signature,
// typ, issuer, times, tenant, audience) and then, by default, the server is
// asked whether the token was revoked, once per token per CacheTTL: a
// revoked token of either kind is refused at the latest CacheTTL after the
// revocation. Config.OfflineJWT skips that question for JWTs. It imports
// nothing of the server.
//
//	v := sdk.New(sdk.Config{ServerURL: "https://tokenmint.example.com", Tenant: "acme"})
//	mux.Handle("/reports", v.Require("reports:read")(reportsHandler))
//
// Handlers find who called with sdk.IdentityFromContext.
//
// # The JWT cache
//
// A JWT that passed the offline checks is kept, keyed by the SHA-256 of
// the whole compact token, so that presenting it again costs a hash and a
// lookup (well under a microsecond, no allocation) instead of an Ed25519
// or ES256 verification. What the cache does not change:
//
//   - Expiry: an entry answers only from the token's nbf/iat (less Leeway)
//     until its exp, exclusive, by Config.Now; from exp on the token is
//     refused exactly as an uncached one would be.
//   - Keys: when a JWKS fetch no longer publishes the key that signed a
//     cached token (withdrawn, or other material under its kid), the token
//     is refused from that fetch on. The JWKS is fetched on an unknown kid
//     and, while tokens are answered from the cache, whenever it is older
//     than JWKSMaxAge, so a withdrawn key stops working at most JWKSMaxAge
//     after its withdrawal, as without the cache. During an outage of the
//     server the keys held stay in use, as before.
//   - Revocation: the cache holds only what the token itself says. In the
//     default mode the server's answer about the token (revoked or not,
//     the permissions its owner holds now) is reused for CacheTTL and then
//     asked again, cached entry or not, so a revoked JWT is refused at most
//     CacheTTL after its revocation. With OfflineJWT a revoked JWT is
//     accepted until its exp, cached or not: the cache makes this no worse.
//   - Forgery: a different token never matches another token's entry
//     (that would take a SHA-256 collision), and only tokens that passed
//     every check are stored; a refused token is checked afresh each time.
//
// The cache holds at most Config.JWTCacheSize tokens (DefaultJWTCacheSize),
// evicting the least recently used approximately (CLOCK), in shards so that
// concurrent requests rarely wait on one another.
package sdk

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// DefaultCacheTTL is how long the server's answer about a token is reused:
// a revoked or deactivated token (opaque, or JWT unless Config.OfflineJWT)
// is refused at the latest this long after the change.
const DefaultCacheTTL = 5 * time.Second

// DefaultLeeway is how far in the future a JWT's "iat" and "nbf" may lie,
// so that a resource server whose clock runs a little behind the token
// server's accepts tokens issued a moment ago.
const DefaultLeeway = time.Minute

// DefaultJWKSMaxAge is how long a fetched JWKS is trusted before it is
// fetched again, which bounds how long a key the server stopped publishing
// still verifies tokens offline.
const DefaultJWKSMaxAge = 5 * time.Minute

// Config configures a Verifier.
type Config struct {
	// ServerURL is the tokenmint server's base URL.
	ServerURL string
	// Issuer is the "iss" JWT access tokens must carry. Empty: the issuer
	// published in the server's /.well-known/oauth-authorization-server.
	Issuer string
	// Tenant, when set, is the only tenant (by name, as in Identity.Tenant)
	// whose tokens are accepted; tokens of other tenants are refused with
	// 401 invalid_token. Empty: every tenant of the server is accepted.
	Tenant string
	// Audience, when set, must be one of a JWT's "aud" values, or the JWT
	// is refused with 401 invalid_token. tokenmint sets "aud" to its
	// issuer URL, which Issuer already pins, so empty skips the check.
	Audience string
	// CacheTTL is how long the server's answers are cached: for opaque
	// tokens per question (token, permission, project), for JWTs per
	// token (default DefaultCacheTTL; negative: no cache).
	CacheTTL time.Duration
	// OfflineJWT verifies JWTs from the JWKS only, never asking the server:
	// no network on the request path and no dependence on the server being
	// up, but a revoked JWT (or one whose owner was disabled) is then
	// accepted until it expires. Off by default: after the offline checks
	// the server is asked whether the JWT is still valid (once per token
	// per CacheTTL), and when it cannot be reached the request is refused
	// with 503 rather than trusting a token that may have been revoked.
	OfflineJWT bool
	// Leeway is how far in the future a JWT's "iat" and "nbf" may lie, for
	// clocks that differ a little (default DefaultLeeway; negative: none).
	// "exp" gets no leeway: a token is refused from its expiry on, by this
	// clock, so leeway never lengthens the lifetime the server gave it.
	Leeway time.Duration
	// JWKSRefreshInterval is the least time between two JWKS fetches
	// triggered by an unknown key ID or made while the server is failing,
	// so tokens with made-up key IDs cannot make the verifier hammer the
	// server (default 1s).
	JWKSRefreshInterval time.Duration
	// JWKSMaxAge is how long a fetched JWKS is trusted (default
	// DefaultJWKSMaxAge). While the server cannot be reached the keys
	// already fetched stay in use.
	JWKSMaxAge time.Duration
	// JWTCacheSize bounds how many verified JWTs are kept (default
	// DefaultJWTCacheSize; negative: none, every JWT's signature is checked
	// on every request). A cached JWT is answered without verifying its
	// signature again, until its exp at the latest; see the package doc.
	JWTCacheSize int
	// HTTPClient calls the server (default: a client with a 10s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Identity is who presented a verified token.
type Identity struct {
	// Subject is the user or application ID.
	Subject   string
	Tenant    string
	OwnerKind string // "user" or "application"
	// TokenID is the opaque token's ID or the JWT's jti.
	TokenID string
	// Type is the token type, or "JWTAccessToken".
	Type     string
	ClientID string
	Project  string
	// Permissions are what the token may do: for an opaque token, or a
	// JWT checked with the server, what its owner still holds of them now;
	// for a JWT verified offline, its scope.
	Permissions []string
	// ExpiresAt is nil for tokens without expiry.
	ExpiresAt *time.Time
	// JWT is true when the token was a JWT access token.
	JWT bool
}

// Has reports whether the identity holds the permission.
func (id *Identity) Has(permission string) bool {
	for _, p := range id.Permissions {
		if p == permission {
			return true
		}
	}
	return false
}

type identityKey struct{}

// IdentityFromContext returns the identity the middleware verified, or nil.
// Other requests with the same token may share it: read it, do not change
// it.
func IdentityFromContext(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

// ContextWithIdentity returns ctx carrying id (for tests of handlers).
func ContextWithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// Error is a refused verification, with the status and RFC 6750 error code
// the middleware answers with.
type Error struct {
	Status      int    // 401, 403, 503
	Code        string // invalid_token, insufficient_scope, or "" (no token)
	Description string
	// Scope is the permission that was missing, for insufficient_scope.
	Scope string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return e.Description
	}
	return e.Code + ": " + e.Description
}

// Verifier verifies tokens. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	cache  *cache
	jwts   *jwtCache // nil when Config.JWTCacheSize is negative
	jwks   *jwksCache
	issMu  sync.Mutex
	issuer string
}

// New returns a Verifier.
func New(cfg Config) *Verifier {
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	} else if cfg.Leeway < 0 {
		cfg.Leeway = 0
	}
	if cfg.JWKSRefreshInterval == 0 {
		cfg.JWKSRefreshInterval = time.Second
	}
	if cfg.JWKSMaxAge == 0 {
		cfg.JWKSMaxAge = DefaultJWKSMaxAge
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JWTCacheSize == 0 {
		cfg.JWTCacheSize = DefaultJWTCacheSize
	}
	v := &Verifier{cfg: cfg, cache: newCache(10_000), issuer: cfg.Issuer}
	if cfg.JWTCacheSize > 0 {
		v.jwts = newJWTCache(cfg.JWTCacheSize)
	}
	v.jwks = &jwksCache{v: v}
	return v
}

// Verify checks a token for a permission ("" for none) on a project (""
// for none). The error is an *Error for refusals. The Identity may be
// shared with other requests that presented the same token while it is
// cached: treat it as read-only.
func (v *Verifier) Verify(ctx context.Context, token, permission, project string) (*Identity, error) {
	if token == "" {
		return nil, &Error{Status: http.StatusUnauthorized, Description: "no token presented"}
	}
	if looksLikeJWT(token) {
		return v.verifyJWT(ctx, token, permission, project)
	}
	id, err := v.verifyRemote(ctx, token, permission, project)
	if err != nil {
		return nil, err
	}
	// The server was asked for Config.Tenant and refuses other tenants'
	// tokens itself; this check is the belt to those braces.
	if err := v.checkTenant(id.Tenant); err != nil {
		return nil, err
	}
	return id, nil
}

// checkTenant refuses a token of another tenant than Config.Tenant. It is
// invalid_token (401), not insufficient_scope: no permission would make
// the token good here.
func (v *Verifier) checkTenant(tenant string) error {
	if v.cfg.Tenant != "" && tenant != v.cfg.Tenant {
		return invalidToken("the token belongs to another tenant")
	}
	return nil
}
