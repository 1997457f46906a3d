package service

import (
	"context"
	"fmt"
	"strings"

	"tokenmint"
)

// SSOInput sets a tenant's OpenID Connect provider.
type SSOInput struct {
	Name      string
	IssuerURL string
	ClientID  string
	// ClientSecret is sealed with the master key and never shown again.
	// Nil keeps the stored secret when replacing a provider ("" for a
	// public client that authenticates by PKCE alone).
	ClientSecret *string
	Scopes       []string
	GroupsClaim  string
	Mappings     []tokenmint.SSOMapping
	// LocalPasswords is "enabled" (the default for "") or "disabled".
	LocalPasswords string
	BreakGlassUser string
}

// ssoSecretAD binds a sealed client secret to its tenant: a sealed value
// copied to another tenant's row does not open.
func ssoSecretAD(tenantID string) []byte { return []byte("sso-client-secret:" + tenantID) }

// PutSSOProvider sets the caller's tenant's identity provider; only the
// tenant's administrators may.
func (s *Service) PutSSOProvider(ctx context.Context, in SSOInput) (*tokenmint.SSOProvider, error) {
	p, err := requireAdminTo(ctx, "configure single sign-on")
	if err != nil {
		return nil, err
	}
	return s.putSSO(ctx, p.TenantID, in)
}

// OperatorPutSSOProvider sets a tenant's identity provider as the
// installation's operator (`tokenmint sso set` on the server's database).
func (s *Service) OperatorPutSSOProvider(ctx context.Context, tenantName string, in SSOInput) (*tokenmint.SSOProvider, error) {
	t, err := s.tenantByName(ctx, tenantName)
	if err != nil {
		return nil, err
	}
	return s.putSSO(ctx, t.ID, in)
}

func (s *Service) putSSO(ctx context.Context, tenantID string, in SSOInput) (*tokenmint.SSOProvider, error) {
	now := s.Now()
	pr := &tokenmint.SSOProvider{
		TenantID: tenantID, Name: in.Name, IssuerURL: in.IssuerURL, ClientID: in.ClientID,
		Scopes: in.Scopes, GroupsClaim: in.GroupsClaim, Mappings: in.Mappings,
		BreakGlassUser: in.BreakGlassUser, CreatedAt: now, UpdatedAt: now,
	}
	switch in.LocalPasswords {
	case "", tokenmint.LocalPasswordsEnabled:
	case tokenmint.LocalPasswordsDisabled:
		pr.LocalPasswordsDisabled = true
	default:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "local_passwords must be enabled or disabled")
	}
	pr.Normalize()
	if err := pr.Validate(); err != nil {
		return nil, err
	}
	for _, m := range pr.Mappings {
		if m.Project == "" {
			continue
		}
		if _, err := s.store.ProjectByName(ctx, tenantID, m.Project); tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "mapping of group %q: no project %q in this tenant", m.Group, m.Project)
		} else if err != nil {
			return nil, err
		}
	}
	if pr.BreakGlassUser != "" {
		u, err := s.store.UserByUsername(ctx, tenantID, pr.BreakGlassUser)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "break_glass_user %q is no user of this tenant", pr.BreakGlassUser)
		} else if err != nil {
			return nil, err
		}
		if !u.IsAdmin() || u.PasswordHash == "" {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "break_glass_user %q must be an administrator with a local password", pr.BreakGlassUser)
		}
		pr.BreakGlassUser = u.Username
	}
	old, err := s.store.SSOProviderByTenant(ctx, tenantID)
	switch {
	case err == nil:
		pr.CreatedAt = old.CreatedAt
		if in.ClientSecret == nil {
			pr.SealedClientSecret = old.SealedClientSecret
		}
	case tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND:
		return nil, err
	}
	if in.ClientSecret != nil && *in.ClientSecret != "" {
		if len(*in.ClientSecret) > 1024 {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "client_secret is longer than 1024 characters")
		}
		pr.SealedClientSecret = s.cfg.MasterKey.Seal([]byte(*in.ClientSecret), ssoSecretAD(tenantID))
	}
	if err := s.store.PutSSOProvider(ctx, pr); err != nil {
		return nil, err
	}
	s.audit(ctx, tenantID, "sso.put", "tenant", tenantID, OutcomeSuccess, ssoDetail(pr))
	return pr, nil
}

// ssoDetail describes a provider for the audit trail, without its secret.
func ssoDetail(p *tokenmint.SSOProvider) string {
	return fmt.Sprintf("issuer %s client_id %s mappings %d local_passwords %s break_glass %q",
		p.IssuerURL, p.ClientID, len(p.Mappings), p.LocalPasswords(), p.BreakGlassUser)
}

// GetSSOProvider returns the caller's tenant's identity provider.
func (s *Service) GetSSOProvider(ctx context.Context) (*tokenmint.SSOProvider, error) {
	p, err := requireAdminTo(ctx, "read the single sign-on settings")
	if err != nil {
		return nil, err
	}
	return s.ssoProvider(ctx, p.TenantID)
}

// OperatorSSOProvider returns a tenant's identity provider, as the operator.
func (s *Service) OperatorSSOProvider(ctx context.Context, tenantName string) (*tokenmint.SSOProvider, error) {
	t, err := s.tenantByName(ctx, tenantName)
	if err != nil {
		return nil, err
	}
	return s.ssoProvider(ctx, t.ID)
}

func (s *Service) ssoProvider(ctx context.Context, tenantID string) (*tokenmint.SSOProvider, error) {
	pr, err := s.store.SSOProviderByTenant(ctx, tenantID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "single sign-on is not configured for this tenant")
	}
	return pr, err
}

// DeleteSSOProvider removes the caller's tenant's identity provider; local
// passwords work again for everyone who has one.
func (s *Service) DeleteSSOProvider(ctx context.Context) error {
	p, err := requireAdminTo(ctx, "configure single sign-on")
	if err != nil {
		return err
	}
	return s.deleteSSO(ctx, p.TenantID)
}

// OperatorDeleteSSOProvider removes a tenant's identity provider.
func (s *Service) OperatorDeleteSSOProvider(ctx context.Context, tenantName string) error {
	t, err := s.tenantByName(ctx, tenantName)
	if err != nil {
		return err
	}
	return s.deleteSSO(ctx, t.ID)
}

func (s *Service) deleteSSO(ctx context.Context, tenantID string) error {
	err := s.store.DeleteSSOProvider(ctx, tenantID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "single sign-on is not configured for this tenant")
	} else if err != nil {
		return err
	}
	s.audit(ctx, tenantID, "sso.delete", "tenant", tenantID, OutcomeSuccess, "")
	return nil
}

// SSOButton is what the sign-in page shows of a tenant's provider.
type SSOButton struct {
	Tenant string
	Name   string
}

// SSOButtonFor returns the sign-in button of a tenant ("" = default), or
// nil when it has no provider (or no such tenant: the page does not tell).
func (s *Service) SSOButtonFor(ctx context.Context, tenantName string) (*SSOButton, error) {
	if tenantName == "" {
		tenantName = tokenmint.DefaultTenant
	}
	if !plainText(tenantName) {
		return nil, nil
	}
	t, err := s.store.TenantByName(ctx, tenantName)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	pr, err := s.store.SSOProviderByTenant(ctx, t.ID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &SSOButton{Tenant: t.Name, Name: pr.Name}, nil
}

func (s *Service) tenantByName(ctx context.Context, name string) (*tokenmint.Tenant, error) {
	if name == "" {
		name = tokenmint.DefaultTenant
	}
	if !plainText(name) {
		return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "no tenant %q", strings.ToValidUTF8(name, "?"))
	}
	t, err := s.store.TenantByName(ctx, name)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "no tenant %q", name)
	}
	return t, err
}
