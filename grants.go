package tokenmint

// Grants is what a token's owner holds at the moment of use. It is rebuilt
// from the Store (and cached until something changes), never copied into the
// token, so an owner who loses a role loses it for every token at once.
type Grants struct {
	// Enabled is false for a disabled user or application: nothing is allowed.
	Enabled bool
	// TenantRoles are roles held across the tenant.
	TenantRoles []string
	// ProjectRoles maps a project ID to the roles held on that project.
	ProjectRoles map[string][]string
	// Fixed, when not nil, replaces roles: an application's access types
	// resolve to a fixed permission set.
	Fixed PermissionSet
}

// Allows reports whether the owner holds p, tenant-wide or on projectID.
func (g Grants) Allows(p Permission, projectID string) bool {
	if !g.Enabled {
		return false
	}
	if g.Fixed != nil {
		return g.Fixed.Has(p)
	}
	for _, r := range g.TenantRoles {
		if RoleAllows(r, p) {
			return true
		}
	}
	if projectID != "" {
		for _, r := range g.ProjectRoles[projectID] {
			if RoleAllows(r, p) {
				return true
			}
		}
	}
	return false
}

// AllowsAll reports whether the owner holds every permission of ps.
func (g Grants) AllowsAll(ps PermissionSet, projectID string) bool {
	for p := range ps {
		if !g.Allows(p, projectID) {
			return false
		}
	}
	return true
}

// EffectivePermissions is the core rule: a token may do what its type
// permits, on its project scope, and only what its owner holds now (for a
// viewer that leaves only read verbs, whatever the type says). projectID is
// the project a request is about ("" for none); a project-scoped token used
// for another project gets nothing, and a token bound to a project never
// carries the tenant administration permissions, whatever its owner's
// role on that project.
func EffectivePermissions(reg *TypeRegistry, typ *TokenType, tok *Token, g Grants, projectID string) PermissionSet {
	if tok.ProjectID != "" {
		if projectID != "" && projectID != tok.ProjectID {
			return PermissionSet{}
		}
		projectID = tok.ProjectID
	}
	typePerms := reg.TypePermissions(typ)
	// Sized up front: a map grown one permission at a time past its first
	// group allocates again on every verify.
	out := make(PermissionSet, len(typePerms))
	for p := range typePerms {
		if tok.ProjectID != "" && TenantAdminPermissions.Has(p) {
			continue
		}
		if g.Allows(p, projectID) {
			out[p] = struct{}{}
		}
	}
	return out
}

// CanCreate reports whether an owner with grants may create a token of typ
// (on projectID for project-scoped types, or narrowed to it for others):
// the type must be creatable by a person and leave the owner at least one
// permission. A project-scoped type counts the owner's roles on the
// project; any other type needs its permissions tenant-wide, narrowed or
// not (SonarQube: a global analysis token needs the global right), so a
// project role never yields a tenant-wide type. A token whose owner could
// no longer create it has no effective permissions and so stops working,
// as in SonarQube.
func CanCreate(reg *TypeRegistry, typ *TokenType, g Grants, projectID string) bool {
	return len(CreatablePermissions(reg, typ, g, projectID)) > 0
}

// CreatablePermissions is what a new token of typ would carry for an owner
// with grants g (nothing when the owner may not create it): the effective
// permissions on projectID for a project-scoped type, the tenant-wide ones
// (narrowed to projectID's bounds) for any other.
func CreatablePermissions(reg *TypeRegistry, typ *TokenType, g Grants, projectID string) PermissionSet {
	if !typ.Creatable() {
		return PermissionSet{}
	}
	if typ.ProjectScoped {
		probe := Token{ProjectID: projectID}
		return EffectivePermissions(reg, typ, &probe, g, projectID)
	}
	tenantWide := EffectivePermissions(reg, typ, &Token{}, g, "")
	if projectID == "" {
		return tenantWide
	}
	probe := Token{ProjectID: projectID}
	return EffectivePermissions(reg, typ, &probe, g, projectID).Intersect(tenantWide)
}
