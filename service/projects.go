package service

import (
	"context"

	"tokenmint"
	"tokenmint/secret"
)

// CreateProject adds a project to the caller's tenant.
func (s *Service) CreateProject(ctx context.Context, name, description string) (*tokenmint.Project, error) {
	p, err := requireAdminTo(ctx, "create projects")
	if err != nil {
		return nil, err
	}
	if err := validateProject(name, description); err != nil {
		return nil, err
	}
	pr := &tokenmint.Project{ID: secret.NewID(), TenantID: p.TenantID, Name: name, Description: description, CreatedAt: s.Now()}
	if err := s.store.CreateProject(s.announcing(ctx, Change{Kind: ChangeProject, TenantID: p.TenantID, ID: pr.ID}), pr); err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Kind: ChangeProject, TenantID: p.TenantID, ID: pr.ID})
	s.audit(ctx, p.TenantID, "project.create", "project", pr.ID, OutcomeSuccess, "")
	return pr, nil
}

// validateProject checks a project's name and description.
func validateProject(name, description string) error {
	if err := tokenmint.ValidateName("name", name); err != nil {
		return err
	}
	if len([]rune(description)) > 1024 {
		return tokenmint.Errorf(tokenmint.EINVALID, "description must be at most 1024 characters")
	}
	return nil
}

// ProjectInput changes a project; nil fields stay.
type ProjectInput struct {
	Name        *string
	Description *string
}

// UpdateProject renames a project or changes its description. Tokens are
// scoped to the project's ID, so a rename keeps them; verify requests
// naming the project must use the new name from then on.
func (s *Service) UpdateProject(ctx context.Context, key string, in ProjectInput) (*tokenmint.Project, error) {
	p, err := requireAdminTo(ctx, "change projects")
	if err != nil {
		return nil, err
	}
	if in.Name == nil && in.Description == nil {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "nothing to change: give name or description")
	}
	pr, err := s.projectByKey(ctx, p.TenantID, key)
	if err != nil {
		return nil, err
	}
	next := *pr
	if in.Name != nil {
		next.Name = *in.Name
	}
	if in.Description != nil {
		next.Description = *in.Description
	}
	if err := validateProject(next.Name, next.Description); err != nil {
		return nil, err
	}
	wctx := ctx
	if next.Name != pr.Name {
		// Only a new name changes what verification caches.
		wctx = s.announcing(ctx, Change{Kind: ChangeProject, TenantID: p.TenantID, ID: pr.ID})
	}
	if err := s.store.UpdateProject(wctx, &next); err != nil {
		return nil, err
	}
	if next.Name != pr.Name {
		// Lookups by name are cached: the old name must stop finding it,
		// and the new one must stop being remembered as unknown. The
		// description plays no part in verification.
		s.changed(ctx, Change{Kind: ChangeProject, TenantID: p.TenantID, ID: pr.ID})
	}
	detail := ""
	if next.Name != pr.Name {
		detail = "renamed from " + pr.Name
	}
	s.audit(ctx, p.TenantID, "project.update", "project", pr.ID, OutcomeSuccess, detail)
	return &next, nil
}

// ProjectsRead is the permission to list and read projects.
const ProjectsRead tokenmint.Permission = "projects:read"

// ListProjects lists the projects the caller may read: every project of
// the tenant with projects:read tenant-wide, otherwise those where a
// project role grants it (a project-only member sees their projects; a
// project-scoped token its own). It returns one page, oldest first, and
// the cursor of the next page ("" on the last); the store filters by
// visibility, so every page is full but the last.
func (s *Service) ListProjects(ctx context.Context, in PageInput) ([]*tokenmint.Project, string, error) {
	p, visible, err := s.projectVisibility(ctx)
	if err != nil {
		return nil, "", err
	}
	pg, err := in.idPage()
	if err != nil {
		return nil, "", err
	}
	f := tokenmint.ProjectFilter{TenantID: p.TenantID, Page: pg}
	if visible != nil {
		f.IDs = make([]string, 0, len(visible))
		for id := range visible {
			f.IDs = append(f.IDs, id)
		}
	}
	ps, err := s.store.ListProjects(ctx, f)
	if err != nil {
		return nil, "", err
	}
	ps, next := keyPage(ps, pg, func(pr *tokenmint.Project) string { return pr.ID })
	return ps, next, nil
}

// GetProject returns a project by ID or name, if the caller may read it;
// one it may not read is "not found", so names reveal nothing.
func (s *Service) GetProject(ctx context.Context, key string) (*tokenmint.Project, error) {
	p, visible, err := s.projectVisibility(ctx)
	if err != nil {
		return nil, err
	}
	pr, err := s.projectByKey(ctx, p.TenantID, key)
	if err != nil {
		return nil, err
	}
	if visible != nil && !visible[pr.ID] {
		return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "project %q not found", key)
	}
	return pr, nil
}

// projectByKey finds a project of the tenant by ID or name, with no
// permission check: administrative calls have made theirs.
func (s *Service) projectByKey(ctx context.Context, tenantID, key string) (*tokenmint.Project, error) {
	id, err := s.resolveProject(ctx, tenantID, key)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "project %q not found", key)
	} else if err != nil {
		return nil, err
	}
	return s.store.ProjectByID(ctx, tenantID, id)
}

// projectVisibility returns the caller and the projects it may read: nil
// for all of them (projects:read tenant-wide), else the IDs it may read.
// A caller that may read none is refused.
func (s *Service) projectVisibility(ctx context.Context) (*tokenmint.Principal, map[string]bool, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil {
		return nil, nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	if p.Can(ProjectsRead) {
		return p, nil, nil
	}
	visible := map[string]bool{}
	switch b := p.CredentialBound(); {
	case b != nil && b.ProjectID != "":
		if b.Permissions.Has(ProjectsRead) {
			visible[b.ProjectID] = true
		}
	case b == nil && p.User != nil:
		g, err := s.userGrants(ctx, p.User)
		if err != nil {
			return nil, nil, err
		}
		for pid := range g.ProjectRoles {
			if g.Allows(ProjectsRead, pid) {
				visible[pid] = true
			}
		}
	}
	if len(visible) == 0 {
		return nil, nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "reading projects needs permission %s", ProjectsRead)
	}
	return p, visible, nil
}

// DeleteProject removes a project and its memberships. Tokens scoped to it
// stop working at once (Verify refuses a token whose project is gone).
func (s *Service) DeleteProject(ctx context.Context, key string) error {
	p, err := requireAdminTo(ctx, "delete projects")
	if err != nil {
		return err
	}
	pr, err := s.projectByKey(ctx, p.TenantID, key)
	if err != nil {
		return err
	}
	if err := s.store.DeleteProject(s.announcing(ctx, Change{Kind: ChangeProject, TenantID: p.TenantID, ID: pr.ID}), p.TenantID, pr.ID); err != nil {
		return err
	}
	s.changed(ctx, Change{Kind: ChangeProject, TenantID: p.TenantID, ID: pr.ID})
	s.audit(ctx, p.TenantID, "project.delete", "project", pr.ID, OutcomeSuccess, "")
	return nil
}

// PutMembership grants a user a role on a project (replacing any other).
func (s *Service) PutMembership(ctx context.Context, projectKey, userKey, role string) (*tokenmint.Membership, error) {
	p, err := requireAdminTo(ctx, "change project members")
	if err != nil {
		return nil, err
	}
	if !tokenmint.ValidRole(role) {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "unknown role %q (roles: admin, member, viewer)", role)
	}
	pr, err := s.projectByKey(ctx, p.TenantID, projectKey)
	if err != nil {
		return nil, err
	}
	u, err := s.lookupUser(ctx, p.TenantID, userKey)
	if err != nil {
		return nil, err
	}
	m := &tokenmint.Membership{TenantID: p.TenantID, ProjectID: pr.ID, UserID: u.ID, Role: role, CreatedAt: s.Now()}
	if err := s.store.PutMembership(s.announcing(ctx, Change{Kind: ChangeUser, TenantID: p.TenantID, ID: u.ID}), m); err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Kind: ChangeUser, TenantID: p.TenantID, ID: u.ID})
	s.audit(ctx, p.TenantID, "membership.put", "project", pr.ID, OutcomeSuccess, "user "+u.ID+" role "+role)
	return m, nil
}

// DeleteMembership removes a user's role on a project.
func (s *Service) DeleteMembership(ctx context.Context, projectKey, userKey string) error {
	p, err := requireAdminTo(ctx, "remove project members")
	if err != nil {
		return err
	}
	pr, err := s.projectByKey(ctx, p.TenantID, projectKey)
	if err != nil {
		return err
	}
	u, err := s.lookupUser(ctx, p.TenantID, userKey)
	if err != nil {
		return err
	}
	if err := s.store.DeleteMembership(s.announcing(ctx, Change{Kind: ChangeUser, TenantID: p.TenantID, ID: u.ID}), p.TenantID, pr.ID, u.ID); err != nil {
		return err
	}
	s.changed(ctx, Change{Kind: ChangeUser, TenantID: p.TenantID, ID: u.ID})
	s.audit(ctx, p.TenantID, "membership.delete", "project", pr.ID, OutcomeSuccess, "user "+u.ID)
	return nil
}

// ListMemberships lists one page of the members of a project, by user ID
// (the order users were created in), and the cursor of the next page (a
// user ID; "" on the last).
func (s *Service) ListMemberships(ctx context.Context, projectKey string, in PageInput) ([]*tokenmint.Membership, string, error) {
	p, err := requireAdminTo(ctx, "list project members")
	if err != nil {
		return nil, "", err
	}
	pg, err := in.idPage()
	if err != nil {
		return nil, "", err
	}
	pr, err := s.projectByKey(ctx, p.TenantID, projectKey)
	if err != nil {
		return nil, "", err
	}
	ms, err := s.store.ListMemberships(ctx, tokenmint.MembershipFilter{
		TenantID: p.TenantID, ProjectID: pr.ID, AfterUserID: pg.After, Limit: pg.Limit,
	})
	if err != nil {
		return nil, "", err
	}
	ms, next := keyPage(ms, pg, func(m *tokenmint.Membership) string { return m.UserID })
	return ms, next, nil
}
