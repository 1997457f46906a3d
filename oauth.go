package tokenmint

import (
	"slices"
	"time"
)

// ClientCredential is one OAuth client credential of an application. An
// application may hold several so that they can be rotated without
// downtime; each is revoked on its own. The secret is never stored, only
// its keyed hash.
type ClientCredential struct {
	ID            string     `json:"id"`
	TenantID      string     `json:"tenant_id"`
	ApplicationID string     `json:"application_id"`
	ClientID      string     `json:"client_id"`
	SecretHash    []byte     `json:"-"`
	Prefix        string     `json:"prefix"` // the first characters of the secret
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	// LastUsedAt is the last successful authentication with the
	// credential, so unused credentials can be found and revoked.
	LastUsedAt *time.Time `json:"last_used_at"`
}

// RefreshToken is the stored state of an OAuth refresh token (tmr_...).
// Every rotation adds a token to the same family; presenting a spent token
// again revokes the whole family (reuse detection).
type RefreshToken struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	FamilyID string `json:"family_id"`
	UserID   string `json:"user_id"`
	// ClientID is the client the token was issued to.
	ClientID  string       `json:"client_id"`
	Scope     []Permission `json:"scope"`
	CreatedAt time.Time    `json:"created_at"`
	ExpiresAt time.Time    `json:"expires_at"`
	// UsedAt is set when the token was exchanged for its successor.
	UsedAt    *time.Time `json:"used_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// AccessJTI and AccessExpiresAt name the access token issued together
	// with this refresh token, revoked with the family.
	AccessJTI       string    `json:"access_jti"`
	AccessExpiresAt time.Time `json:"access_expires_at"`
}

// Active reports whether the refresh token may be exchanged at now.
func (r *RefreshToken) Active(now time.Time) bool {
	return r.UsedAt == nil && r.RevokedAt == nil && now.Before(r.ExpiresAt)
}

// RevokedAccessToken records the revocation of a JWT access token by its
// jti until the token would have expired anyway.
type RevokedAccessToken struct {
	JTI       string
	TenantID  string
	ExpiresAt time.Time
	RevokedAt time.Time
}

// Signing key algorithms (JOSE names).
const (
	AlgEdDSA = "EdDSA"
	AlgES256 = "ES256"
)

// SigningKey is a key that signs JWT access tokens. The private key is
// stored only sealed with the master key. A key signs until RetiredAt and
// is published in the JWKS until PublishUntil, when every token it signed
// has expired.
type SigningKey struct {
	ID        string // the JWK "kid"
	Algorithm string // AlgEdDSA or AlgES256
	// PublicKey is the PKIX DER encoding of the public key.
	PublicKey []byte
	// SealedPrivateKey is the PKCS #8 private key sealed with the master key.
	SealedPrivateKey []byte
	CreatedAt        time.Time
	RetiredAt        *time.Time
	PublishUntil     *time.Time
}

// AccessClaims are the claims of a JWT access token (RFC 9068) plus
// tokenmint's own: the tenant's ID, the owner kind and a project scope.
type AccessClaims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ExpiresAt time.Time
	IssuedAt  time.Time
	JTI       string
	ClientID  string
	Scope     []Permission
	// Tenant is the tenant's name; TenantID its ID.
	Tenant    string
	TenantID  string
	OwnerKind string
	// ProjectID limits the token to one project ("" for none).
	ProjectID string
	// SourceTokenID names the tokenmint token this JWT was obtained for by
	// token exchange ("" for other grants): the JWT lives only while that
	// token does.
	SourceTokenID string
	// KeyID is the kid of the key that signed the token (set by
	// verification; not a claim).
	KeyID string
}

// HasScope reports whether the claims carry p.
func (c *AccessClaims) HasScope(p Permission) bool { return slices.Contains(c.Scope, p) }
