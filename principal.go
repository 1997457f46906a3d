package tokenmint

import (
	"context"
	"time"
)

// Principal is who is making a request: a user signed in with a session, or
// the holder of a token (user- or application-owned).
type Principal struct {
	TenantID string
	// User is the signed-in user, or the owner of a user-owned token.
	User *User
	// ApplicationID is set for application-owned tokens and OAuth clients.
	ApplicationID string
	// Token is set when the request presented a token rather than a session.
	Token *Token
	// Permissions are what this principal may do tenant-wide: a session
	// user's tenant roles, or a tenant-wide token's effective permissions.
	// Project roles never count here, and a project-scoped credential has
	// none: whatever it may do is in Credential.
	Permissions PermissionSet
	// Credential is set when the request presented a token or a JWT: what
	// that credential may do, and so what it may hand on. It is nil for a
	// session, whose user acts with their own rights.
	Credential *CredentialBound
}

// CredentialBound is what a presented token or JWT may do. Anything it
// mints or whose secret it reads is held within these bounds, so a narrow
// credential can never produce a broad one.
type CredentialBound struct {
	// ProjectID is the project the credential is scoped to ("" = none).
	ProjectID string
	// Permissions are its effective permissions, in ProjectID when scoped.
	Permissions PermissionSet
	// ExpiresAt is when it stops working (nil = never).
	ExpiresAt *time.Time
	// AllowedCIDRs are the networks it is bound to (empty = anywhere): a
	// token it creates is bound within them.
	AllowedCIDRs CIDRList
	// RateLimit is its own effective rate limit (zero: none): a token it
	// creates or changes may not be given a looser one.
	RateLimit RateLimit
}

// Subject returns the ID of the acting identity.
func (p *Principal) Subject() string {
	if p.User != nil {
		return p.User.ID
	}
	return p.ApplicationID
}

// Can reports whether the principal holds perm tenant-wide.
func (p *Principal) Can(perm Permission) bool { return p != nil && p.Permissions.Has(perm) }

// CredentialCan reports whether the presented credential itself holds perm
// (in its project when scoped); for a session it is Can. Working with one's
// own tokens is checked this way: a project-scoped token with tokens:write
// may manage its owner's tokens, within its bounds.
func (p *Principal) CredentialCan(perm Permission) bool {
	if p == nil {
		return false
	}
	if p.Credential == nil {
		return p.Can(perm)
	}
	return p.Credential.Permissions.Has(perm)
}

// CredentialBound returns the bounds of the presented credential, or nil
// for a session (or no principal).
func (p *Principal) CredentialBound() *CredentialBound {
	if p == nil {
		return nil
	}
	return p.Credential
}

// IsAdmin reports whether the principal may administer its tenant: a
// session admin, or a tenant-wide token that carries users:manage.
func (p *Principal) IsAdmin() bool { return p.Can("users:manage") }

type principalKey struct{}

// NewContextWithPrincipal returns a context carrying p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal of ctx, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
