package tokenmint

import "context"

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
	// user's role permissions, or a token's effective permissions.
	Permissions PermissionSet
}

// Subject returns the ID of the acting identity.
func (p *Principal) Subject() string {
	if p.User != nil {
		return p.User.ID
	}
	return p.ApplicationID
}

// Can reports whether the principal holds perm.
func (p *Principal) Can(perm Permission) bool { return p != nil && p.Permissions.Has(perm) }

// IsAdmin reports whether the principal may administer its tenant: a
// session admin, or a token that carries users:manage.
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
