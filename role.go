package tokenmint

// Built-in role names.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleViewer = "viewer"
)

// Roles lists the built-in roles.
var Roles = []string{RoleAdmin, RoleMember, RoleViewer}

// adminOnly are the permissions a member does not hold. Introspection is
// among them: it shows who holds any token value of the tenant and what it
// may do, so by default only administrators (and applications given the
// introspect access type) may call it.
var adminOnly = NewPermissionSet("users:manage", "tokens:manage", "projects:purge", "tokens:introspect")

// TenantAdminPermissions administer the tenant itself (its users and every
// token). They are only ever held tenant-wide: a project role never grants
// them to a token, and a project-scoped credential never carries them.
var TenantAdminPermissions = NewPermissionSet("users:manage", "tokens:manage")

// RoleAllows reports whether a built-in role grants p. Roles are rules rather
// than lists so that permissions introduced by a types file are covered too:
// admin holds every permission, member every one but the administrative ones,
// viewer only those whose verb is "read".
func RoleAllows(role string, p Permission) bool {
	switch role {
	case RoleAdmin:
		return true
	case RoleMember:
		return !adminOnly.Has(p)
	case RoleViewer:
		return p.Verb() == "read"
	}
	return false
}

// RoleDescriptions say in a sentence what each built-in role is for.
var RoleDescriptions = map[string]string{
	RoleAdmin:  "Every permission in the tenant, including users, all tokens and purges.",
	RoleMember: "Every permission except users:manage, tokens:manage, tokens:introspect and projects:purge.",
	RoleViewer: "Only permissions whose verb is read: a viewer's tokens can only read.",
}

// RolePermissions lists the permissions of universe a built-in role grants.
func RolePermissions(role string, universe PermissionSet) PermissionSet {
	out := PermissionSet{}
	for p := range universe {
		if RoleAllows(role, p) {
			out[p] = struct{}{}
		}
	}
	return out
}

// ValidRole reports whether name is a built-in role.
func ValidRole(name string) bool {
	for _, r := range Roles {
		if r == name {
			return true
		}
	}
	return false
}
