package service

import (
	"context"

	"tokenmint"
	"tokenmint/secret"
)

// requireAdmin returns the caller if it may administer users and projects.
func requireAdmin(ctx context.Context) (*tokenmint.Principal, error) {
	return requireAdminTo(ctx, "do this")
}

// requireAdminTo is requireAdmin whose refusal says what the caller tried
// ("create projects") and what would allow it, so the message can be
// acted on.
func requireAdminTo(ctx context.Context, what string) (*tokenmint.Principal, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	if !p.Can("users:manage") {
		if p.CredentialBound() != nil && p.CredentialBound().ProjectID != "" {
			return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the tenant's administrators may %s; a project-scoped token never acts for the whole tenant", what)
		}
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the tenant's administrators may %s (it needs the admin role, permission users:manage); ask an administrator", what)
	}
	return p, nil
}

// CreateUserInput is a new local account.
type CreateUserInput struct {
	Username string
	Email    string
	Password string
	Roles    []string
}

// CreateUser adds a user to the caller's tenant.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*tokenmint.User, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := tokenmint.ValidateName("username", in.Username); err != nil {
		return nil, err
	}
	if err := tokenmint.ValidateEmail(in.Email); err != nil {
		return nil, err
	}
	if err := tokenmint.ValidatePassword(in.Password); err != nil {
		return nil, err
	}
	if in.Roles == nil {
		in.Roles = []string{tokenmint.RoleMember}
	}
	if err := tokenmint.ValidateRoles(in.Roles); err != nil {
		return nil, err
	}
	u, err := s.newUser(p.TenantID, in)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.audit(ctx, p.TenantID, "user.create", "user", u.ID, OutcomeSuccess, "")
	return u, nil
}

func (s *Service) newUser(tenantID string, in CreateUserInput) (*tokenmint.User, error) {
	hash, err := s.cfg.PasswordParams.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	return &tokenmint.User{
		ID: secret.NewID(), TenantID: tenantID, Username: in.Username, Email: in.Email,
		PasswordHash: hash, Roles: in.Roles, Enabled: true, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// UpdateUserInput changes a user; nil fields stay.
type UpdateUserInput struct {
	Email    *string
	Password *string
	Roles    *[]string
	Enabled  *bool
}

// UpdateUser changes a user. A change of roles or of the enabled flag takes
// effect for every token of the user at once.
func (s *Service) UpdateUser(ctx context.Context, id string, in UpdateUserInput) (*tokenmint.User, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.lookupUser(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	if in.Email == nil && in.Password == nil && in.Roles == nil && in.Enabled == nil {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "nothing to change: give email, password, roles or enabled")
	}
	if in.Email != nil {
		if err := tokenmint.ValidateEmail(*in.Email); err != nil {
			return nil, err
		}
		u.Email = *in.Email
	}
	// Sessions opened before a password change, a disable or the loss
	// of every role end with it: whoever held them must sign in again.
	endSessions := in.Password != nil
	if in.Roles != nil {
		if err := tokenmint.ValidateRoles(*in.Roles); err != nil {
			return nil, err
		}
		endSessions = endSessions || (len(*in.Roles) == 0 && len(u.Roles) > 0)
		u.Roles = *in.Roles
	}
	if in.Enabled != nil {
		endSessions = endSessions || (!*in.Enabled && u.Enabled)
		u.Enabled = *in.Enabled
	}
	if p.User != nil && p.User.ID == u.ID && (!u.Enabled || !u.IsAdmin()) {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "you cannot disable yourself or drop your own admin role")
	}
	if in.Password != nil {
		if err := tokenmint.ValidatePassword(*in.Password); err != nil {
			return nil, err
		}
		if u.PasswordHash, err = s.cfg.PasswordParams.Hash(*in.Password); err != nil {
			return nil, err
		}
	}
	u.UpdatedAt = s.Now()
	if err := s.store.UpdateUser(s.announcing(ctx, Change{Kind: ChangeUser, TenantID: u.TenantID, ID: u.ID}), u); err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Kind: ChangeUser, TenantID: u.TenantID, ID: u.ID})
	detail := ""
	if endSessions {
		// The change is stored; should this fail, a disabled user's
		// sessions are refused anyway and the caller may retry.
		if err := s.endUserSessions(ctx, u.TenantID, u.ID); err != nil {
			return nil, err
		}
		detail = "sessions ended"
	}
	s.audit(ctx, p.TenantID, "user.update", "user", u.ID, OutcomeSuccess, detail)
	return u, nil
}

// GetUser returns a user of the caller's tenant by ID or username.
func (s *Service) GetUser(ctx context.Context, id string) (*tokenmint.User, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	return s.lookupUser(ctx, p.TenantID, id)
}

// ListUsers lists one page of the users of the caller's tenant, oldest
// first, and the cursor of the next page ("" on the last).
func (s *Service) ListUsers(ctx context.Context, in PageInput) ([]*tokenmint.User, string, error) {
	return adminIDPage(ctx, in, func(tenantID string, pg tokenmint.Page) ([]*tokenmint.User, error) {
		return s.store.ListUsers(ctx, tenantID, pg)
	}, func(x *tokenmint.User) string { return x.ID })
}

// Me returns the signed-in user.
func (s *Service) Me(ctx context.Context) (*tokenmint.User, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	if p.User == nil {
		// A valid credential that is not a user's: refused, not "bad".
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "this token belongs to an application, not a user; GET /api/v1/tokens/self describes it")
	}
	return p.User, nil
}

// lookupUser finds a user of a tenant by ID, then by username.
func (s *Service) lookupUser(ctx context.Context, tenantID, key string) (*tokenmint.User, error) {
	u, err := s.store.UserByID(ctx, tenantID, key)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		u, err = s.store.UserByUsername(ctx, tenantID, key)
	}
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "user %q not found", key)
	}
	return u, err
}
