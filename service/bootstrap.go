package service

import (
	"context"

	"tokenmint"
	"tokenmint/secret"
)

// BootstrapResult tells what a first start created.
type BootstrapResult struct {
	Created  bool   // false when the default tenant already existed
	Username string // the first admin
	Password string // set only when generated here; shown once
}

// Bootstrap creates the default tenant and its first admin on an empty
// store. The password is adminPassword, or generated when empty. It does
// nothing on a store whose default tenant has users; a first start cut
// short after creating the tenant is finished, and an instance that loses
// the race to bootstrap a shared database leaves it to the winner.
func (s *Service) Bootstrap(ctx context.Context, adminPassword string) (*BootstrapResult, error) {
	t, err := s.store.TenantByName(ctx, tokenmint.DefaultTenant)
	switch {
	case err == nil:
		users, err := s.store.ListUsers(ctx, t.ID, tokenmint.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(users) > 0 {
			return &BootstrapResult{}, nil
		}
	case tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND:
		t = nil
	default:
		return nil, err
	}
	res := &BootstrapResult{Created: true, Username: "admin"}
	if adminPassword == "" {
		adminPassword = secret.Base62(20)
		res.Password = adminPassword
	}
	if err := tokenmint.ValidatePassword(adminPassword); err != nil {
		return nil, err
	}
	if t == nil {
		t = &tokenmint.Tenant{ID: secret.NewID(), Name: tokenmint.DefaultTenant, CreatedAt: s.Now()}
		if err := s.store.CreateTenant(ctx, t); tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
			return &BootstrapResult{}, nil // another instance is bootstrapping
		} else if err != nil {
			return nil, err
		}
	}
	u, err := s.newUser(t.ID, CreateUserInput{Username: res.Username, Password: adminPassword, Roles: []string{tokenmint.RoleAdmin}})
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateUser(ctx, u); tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
		return &BootstrapResult{}, nil
	} else if err != nil {
		return nil, err
	}
	s.systemAudit(ctx, t.ID, "tenant.bootstrap", "user", u.ID, "created default tenant and admin")
	return res, nil
}

// CreateTenant adds another tenant with its first admin; used by the CLI
// and tests (tenants are otherwise managed outside the API for now).
func (s *Service) CreateTenant(ctx context.Context, name, adminUser, adminPassword string) (*tokenmint.Tenant, *tokenmint.User, error) {
	if err := tokenmint.ValidateName("tenant", name); err != nil {
		return nil, nil, err
	}
	if err := tokenmint.ValidatePassword(adminPassword); err != nil {
		return nil, nil, err
	}
	t := &tokenmint.Tenant{ID: secret.NewID(), Name: name, CreatedAt: s.Now()}
	if err := s.store.CreateTenant(ctx, t); err != nil {
		return nil, nil, err
	}
	u, err := s.newUser(t.ID, CreateUserInput{Username: adminUser, Password: adminPassword, Roles: []string{tokenmint.RoleAdmin}})
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, nil, err
	}
	s.systemAudit(ctx, t.ID, "tenant.create", "tenant", t.ID, "")
	return t, u, nil
}
