// Package sdk lets a Go resource server accept tokenmint tokens. Its
// middleware verifies opaque tokens (tmu_/tma_…) through the server's
// forward-auth endpoint, caching each answer for a few seconds, and JWT
// access tokens offline against the server's JWKS. It imports nothing of
// the server.
//
//	v := sdk.New(sdk.Config{ServerURL: "https://tokenmint.example.com"})
//	mux.Handle("/reports", v.Require("reports:read")(reportsHandler))
//
// Handlers find who called with sdk.IdentityFromContext.
package sdk

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// DefaultCacheTTL is how long an opaque token's verification is reused: a
// revoked or deactivated opaque token is refused at the latest this long
// after the change.
const DefaultCacheTTL = 5 * time.Second

// Config configures a Verifier.
type Config struct {
	// ServerURL is the tokenmint server's base URL.
	ServerURL string
	// Issuer is the "iss" JWT access tokens must carry. Empty: the issuer
	// published in the server's /.well-known/oauth-authorization-server.
	Issuer string
	// CacheTTL is how long verification answers for opaque tokens are
	// cached (default DefaultCacheTTL; negative: no cache).
	CacheTTL time.Duration
	// CheckJWTRevocation also asks the server about JWT access tokens
	// (through the same cache), so a revoked JWT is refused within CacheTTL
	// instead of at its expiry. Off by default: JWTs are verified offline.
	CheckJWTRevocation bool
	// JWKSRefreshInterval is the least time between two JWKS fetches
	// triggered by an unknown key ID, so tokens with made-up
	// key IDs cannot make the verifier hammer the server (default 1s).
	JWKSRefreshInterval time.Duration
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
	Type        string
	ClientID    string
	Project     string
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
	jwks   *jwksCache
	issMu  sync.Mutex
	issuer string
}

// New returns a Verifier.
func New(cfg Config) *Verifier {
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.JWKSRefreshInterval == 0 {
		cfg.JWKSRefreshInterval = time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{cfg: cfg, cache: newCache(10_000), issuer: cfg.Issuer}
	v.jwks = &jwksCache{v: v}
	return v
}

// Verify checks a token for a permission ("" for none) on a project (""
// for none). The error is an *Error for refusals.
func (v *Verifier) Verify(ctx context.Context, token, permission, project string) (*Identity, error) {
	if token == "" {
		return nil, &Error{Status: http.StatusUnauthorized, Description: "no token presented"}
	}
	if looksLikeJWT(token) {
		id, err := v.verifyJWT(ctx, token, permission, project)
		if err != nil || !v.cfg.CheckJWTRevocation {
			return id, err
		}
	}
	return v.verifyRemote(ctx, token, permission, project)
}
