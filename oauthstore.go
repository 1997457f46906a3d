package tokenmint

import (
	"context"
	"time"
)

// OAuthStore is the persistence of applications and the OAuth2
// authorization server: client credentials, refresh tokens, revoked JWT
// access tokens and signing keys. It is part of Store.
type OAuthStore interface {
	// CreateApplication stores a new application; a name taken in the
	// tenant is ECONFLICT.
	CreateApplication(ctx context.Context, a *Application) error
	// UpdateApplication saves name, description, access types, enabled and
	// updated_at.
	UpdateApplication(ctx context.Context, a *Application) error
	ApplicationByID(ctx context.Context, tenantID, id string) (*Application, error)
	ApplicationByName(ctx context.Context, tenantID, name string) (*Application, error)
	// ListApplications returns the tenant's applications by ID (creation
	// order), one page of them.
	ListApplications(ctx context.Context, tenantID string, pg Page) ([]*Application, error)
	// DeleteApplication removes the application and its client credentials.
	DeleteApplication(ctx context.Context, tenantID, id string) error

	// CreateClientCredential stores a credential with the keyed hash of its
	// secret (c.SecretHash). A taken client ID is ECONFLICT; an unknown
	// application in the tenant ENOTFOUND.
	CreateClientCredential(ctx context.Context, c *ClientCredential) error
	// ClientCredentialByClientID returns a credential, revoked or not, with
	// its secret hash. Client IDs are global.
	ClientCredentialByClientID(ctx context.Context, clientID string) (*ClientCredential, error)
	// ListClientCredentials returns an application's credentials by ID
	// (oldest first), without their hashes, one page of them.
	ListClientCredentials(ctx context.Context, tenantID, applicationID string, pg Page) ([]*ClientCredential, error)
	// RevokeClientCredential marks a credential revoked at now; revoking a
	// revoked credential keeps the first time.
	RevokeClientCredential(ctx context.Context, tenantID, applicationID, id string, now time.Time) error
	// TouchClientCredential records a successful authentication at at; an
	// earlier time than the one stored changes nothing.
	TouchClientCredential(ctx context.Context, id string, at time.Time) error

	// CreateRefreshToken stores a refresh token under the keyed hash of its
	// secret.
	CreateRefreshToken(ctx context.Context, r *RefreshToken, hash []byte) error
	RefreshTokenByHash(ctx context.Context, hash []byte) (*RefreshToken, error)
	// RotateRefreshToken spends the refresh token oldID and stores next in
	// one transaction. When oldID is already spent or revoked it changes
	// nothing and returns ECONFLICT: concurrent callers on any number of
	// instances succeed exactly once.
	RotateRefreshToken(ctx context.Context, oldID string, now time.Time, next *RefreshToken, nextHash []byte) error
	// RevokeRefreshFamily revokes every refresh token of the family not
	// revoked yet and returns all tokens of the family.
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) ([]*RefreshToken, error)

	// RevokeAccessToken records a JWT's jti as revoked; recording it again
	// is not an error.
	RevokeAccessToken(ctx context.Context, r *RevokedAccessToken) error
	AccessTokenRevoked(ctx context.Context, jti string) (bool, error)
	// DeleteExpiredOAuth removes revocations of access tokens and refresh
	// tokens that expired before the given time.
	DeleteExpiredOAuth(ctx context.Context, before time.Time) error

	// SigningKeys returns every stored signing key, oldest first.
	SigningKeys(ctx context.Context) ([]*SigningKey, error)
	// AddSigningKey stores k as the signing key and retires the key that
	// signed until now, which must be activeKID ("" when there is none),
	// setting its RetiredAt to k.CreatedAt and its PublishUntil. When
	// another key is active (another instance rotated first) it changes
	// nothing and returns ECONFLICT.
	AddSigningKey(ctx context.Context, k *SigningKey, activeKID string, publishUntil time.Time) error
	// DeleteSigningKeys removes retired keys published only until before.
	DeleteSigningKeys(ctx context.Context, before time.Time) error
}
