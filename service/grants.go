package service

import (
	"context"

	"tokenmint"
)

// grantsFor returns what a token's owner holds now, from the cache or the
// store.
func (s *Service) grantsFor(ctx context.Context, tenantID, ownerKind, ownerID string) (tokenmint.Grants, error) {
	g, _, err := s.grantsFilled(ctx, tenantID, ownerKind, ownerID)
	return g, err
}

// grantsFilled is grantsFor that also says when the grants were read (0
// when they were not cached), for what is computed from them.
func (s *Service) grantsFilled(ctx context.Context, tenantID, ownerKind, ownerID string) (tokenmint.Grants, int64, error) {
	key := grantsKeyT{ownerKind, tenantID, ownerID}
	if g, filled, ok := s.cache.grantsOf(key); ok {
		return g, filled, nil
	}
	g, err := s.loadGrants(ctx, key)
	return g, 0, err
}

func (s *Service) loadGrants(ctx context.Context, key grantsKeyT) (tokenmint.Grants, error) {
	tenantID, ownerKind, ownerID := key.tenant, key.kind, key.id
	gen := s.cache.generation()
	var g tokenmint.Grants
	switch ownerKind {
	case tokenmint.OwnerUser:
		u, err := s.store.UserByID(ctx, tenantID, ownerID)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return tokenmint.Grants{}, nil // owner deleted: nothing allowed
		} else if err != nil {
			return g, err
		}
		g, err = s.userGrants(ctx, u)
		if err != nil {
			return g, err
		}
	case tokenmint.OwnerApplication:
		a, err := s.store.ApplicationByID(ctx, tenantID, ownerID)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return tokenmint.Grants{}, nil // application deleted: nothing allowed
		} else if err != nil {
			return g, err
		}
		g = applicationGrants(a, s.types.Universe())
	default:
		// Owner kinds without a grants source hold nothing.
		return tokenmint.Grants{}, nil
	}
	s.cache.putGrants(gen, key, g)
	return g, nil
}

func (s *Service) userGrants(ctx context.Context, u *tokenmint.User) (tokenmint.Grants, error) {
	ms, err := s.store.ListMemberships(ctx, tokenmint.MembershipFilter{TenantID: u.TenantID, UserID: u.ID})
	if err != nil {
		return tokenmint.Grants{}, err
	}
	g := tokenmint.Grants{Enabled: u.Enabled, TenantRoles: u.Roles, ProjectRoles: map[string][]string{}}
	for _, m := range ms {
		g.ProjectRoles[m.ProjectID] = append(g.ProjectRoles[m.ProjectID], m.Role)
	}
	return g, nil
}

// tenantPermissions lists what grants allow tenant-wide, over every
// permission the server knows.
func (s *Service) tenantPermissions(g tokenmint.Grants) tokenmint.PermissionSet {
	out := tokenmint.PermissionSet{}
	for p := range s.types.Universe() {
		if g.Allows(p, "") {
			out[p] = struct{}{}
		}
	}
	return out
}

// resolveProject finds a project of the tenant by ID or name.
func (s *Service) resolveProject(ctx context.Context, tenantID, key string) (string, error) {
	ck := projectKey{tenantID, key}
	if id, ok := s.cache.project(ck); ok {
		if id == "" {
			return "", tokenmint.Errorf(tokenmint.ENOTFOUND, "project not found")
		}
		return id, nil
	}
	gen := s.cache.generation()
	p, err := s.store.ProjectByID(ctx, tenantID, key)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		p, err = s.store.ProjectByName(ctx, tenantID, key)
	}
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		// Remembered too, so a token of a deleted project, or requests
		// naming no project, do not read the store every time; creating
		// or renaming a project drops these entries.
		s.cache.putProject(gen, ck, "")
		return "", err
	} else if err != nil {
		return "", err
	}
	s.cache.putProject(gen, ck, p.ID)
	return p.ID, nil
}

// applicationGrants are an application's access types as a fixed set.
func applicationGrants(a *tokenmint.Application, universe tokenmint.PermissionSet) tokenmint.Grants {
	return tokenmint.Grants{Enabled: a.Enabled, Fixed: tokenmint.AccessTypePermissions(universe, a.AccessTypes)}
}
