package service

import (
	"context"
	"encoding/base64"
	"strings"

	"tokenmint"
	"tokenmint/secret"
)

// ApplicationInput is a new application.
type ApplicationInput struct {
	Name        string
	Description string
	AccessTypes []string
	// DefaultAllowedCIDRs bind the application's new tokens that name no
	// networks (tokenmint.ParseCIDRList's input).
	DefaultAllowedCIDRs []string
}

// ApplicationUpdate changes an application; nil fields stay as they are.
type ApplicationUpdate struct {
	Name        *string
	Description *string
	AccessTypes *[]string
	Enabled     *bool
	// DefaultAllowedCIDRs replaces the default networks of new tokens;
	// the application's existing tokens keep theirs.
	DefaultAllowedCIDRs *[]string
}

// IssuedCredential is a new client credential with its secret, shown once:
// ClientSecret for client_id + client_secret authentication, and Encoded,
// the single opaque credential accepted as "Authorization: Basic <Encoded>".
type IssuedCredential struct {
	Credential   *tokenmint.ClientCredential
	ClientSecret string
	Encoded      string
}

// clientIDPrefix marks tokenmint client IDs so they are recognisable in
// configuration files; the random part makes them unguessable but they are
// not secret.
const clientIDPrefix = "tmcid_"

// EncodeCredential returns the single opaque credential of a client: the
// standard base64 of "client_id:client_secret", which is what HTTP Basic
// carries, so a client that has only this string can send it as is.
func EncodeCredential(clientID, clientSecret string) string {
	return base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret))
}

func (s *Service) validateApplication(name, description string, ats []string) error {
	if err := tokenmint.ValidateApplicationName(name); err != nil {
		return err
	}
	if err := tokenmint.ValidateApplicationDescription(description); err != nil {
		return err
	}
	// An application without access types could do nothing at all: its
	// tokens and client credentials would be refused everywhere without a
	// word, so it is refused here, where the mistake is made.
	if len(ats) == 0 {
		return tokenmint.Errorf(tokenmint.EINVALID, "access_types must name at least one access type (%s, or a permission such as api:read)", strings.Join(tokenmint.AccessTypes, ", "))
	}
	return tokenmint.ValidateAccessTypes(s.types.Universe(), ats)
}

// CreateApplication adds an application to the caller's tenant (admin only).
func (s *Service) CreateApplication(ctx context.Context, in ApplicationInput) (*tokenmint.Application, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if in.AccessTypes == nil {
		in.AccessTypes = []string{}
	}
	if err := s.validateApplication(in.Name, in.Description, in.AccessTypes); err != nil {
		return nil, err
	}
	cidrs, err := tokenmint.ParseCIDRList(in.DefaultAllowedCIDRs)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	a := &tokenmint.Application{
		ID: secret.NewID(), TenantID: p.TenantID, Name: in.Name, Description: in.Description,
		AccessTypes: in.AccessTypes, Enabled: true, CreatedAt: now, UpdatedAt: now,
		DefaultAllowedCIDRs: cidrs,
	}
	if err := s.store.CreateApplication(ctx, a); err != nil {
		if tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
			return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "an application named %q already exists", in.Name)
		}
		return nil, err
	}
	s.audit(ctx, p.TenantID, "application.create", "application", a.ID, OutcomeSuccess, "")
	return a, nil
}

// ListApplications lists one page of the applications of the caller's
// tenant, oldest first, and the cursor of the next page ("" on the last).
func (s *Service) ListApplications(ctx context.Context, in PageInput) ([]*tokenmint.Application, string, error) {
	return adminIDPage(ctx, in, func(tenantID string, pg tokenmint.Page) ([]*tokenmint.Application, error) {
		return s.store.ListApplications(ctx, tenantID, pg)
	}, func(x *tokenmint.Application) string { return x.ID })
}

// GetApplication returns an application of the caller's tenant by ID or
// name.
func (s *Service) GetApplication(ctx context.Context, id string) (*tokenmint.Application, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	return s.application(ctx, p.TenantID, id)
}

// adminApplication checks the caller is an administrator and finds the
// application of their tenant by ID or name.
func (s *Service) adminApplication(ctx context.Context, key string) (*tokenmint.Principal, *tokenmint.Application, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.application(ctx, p.TenantID, key)
	return p, a, err
}

func (s *Service) application(ctx context.Context, tenantID, key string) (*tokenmint.Application, error) {
	a, err := s.store.ApplicationByID(ctx, tenantID, key)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		a, err = s.store.ApplicationByName(ctx, tenantID, key)
	}
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "application %q not found", key)
	}
	return a, err
}

// UpdateApplication renames, describes, re-grants, enables or disables an
// application. A disabled application cannot obtain tokens.
func (s *Service) UpdateApplication(ctx context.Context, id string, in ApplicationUpdate) (*tokenmint.Application, error) {
	p, a, err := s.adminApplication(ctx, id)
	if err != nil {
		return nil, err
	}
	next := *a
	if in.Name != nil {
		next.Name = *in.Name
	}
	if in.Description != nil {
		next.Description = *in.Description
	}
	if in.AccessTypes != nil {
		next.AccessTypes = *in.AccessTypes
		if next.AccessTypes == nil {
			next.AccessTypes = []string{}
		}
	}
	if in.Enabled != nil {
		next.Enabled = *in.Enabled
	}
	if in.DefaultAllowedCIDRs != nil {
		if next.DefaultAllowedCIDRs, err = tokenmint.ParseCIDRList(*in.DefaultAllowedCIDRs); err != nil {
			return nil, err
		}
	}
	if err := s.validateApplication(next.Name, next.Description, next.AccessTypes); err != nil {
		return nil, err
	}
	next.UpdatedAt = s.Now()
	if err := s.store.UpdateApplication(s.announcing(ctx, Change{Kind: ChangeApplication, TenantID: p.TenantID, ID: a.ID}), &next); err != nil {
		if tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
			return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "an application named %q already exists", next.Name)
		}
		return nil, err
	}
	var changed []string
	if next.Name != a.Name {
		changed = append(changed, "name")
	}
	if next.Description != a.Description {
		changed = append(changed, "description")
	}
	if strings.Join(next.AccessTypes, " ") != strings.Join(a.AccessTypes, " ") {
		changed = append(changed, "access_types")
	}
	if next.Enabled != a.Enabled {
		changed = append(changed, "enabled")
	}
	if next.DefaultAllowedCIDRs.String() != a.DefaultAllowedCIDRs.String() {
		changed = append(changed, "default_allowed_cidrs")
	}
	s.changed(ctx, Change{Kind: ChangeApplication, TenantID: p.TenantID, ID: a.ID})
	s.audit(ctx, p.TenantID, "application.update", "application", a.ID, OutcomeSuccess, strings.Join(changed, ","))
	return &next, nil
}

// DeleteApplication removes an application and its client credentials.
func (s *Service) DeleteApplication(ctx context.Context, id string) error {
	p, a, err := s.adminApplication(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteApplication(s.announcing(ctx, Change{Kind: ChangeApplication, TenantID: p.TenantID, ID: a.ID}), p.TenantID, a.ID); err != nil {
		return err
	}
	s.changed(ctx, Change{Kind: ChangeApplication, TenantID: p.TenantID, ID: a.ID})
	s.audit(ctx, p.TenantID, "application.delete", "application", a.ID, OutcomeSuccess, "")
	return nil
}

// CreateClientCredential issues a new client ID and secret for an
// application. The secret is returned only here; the store keeps its keyed
// hash.
func (s *Service) CreateClientCredential(ctx context.Context, appID string) (*IssuedCredential, error) {
	p, a, err := s.adminApplication(ctx, appID)
	if err != nil {
		return nil, err
	}
	clientSecret := secret.NewToken(tokenmint.KindClientSecret)
	c := &tokenmint.ClientCredential{
		ID: secret.NewID(), TenantID: p.TenantID, ApplicationID: a.ID,
		ClientID: clientIDPrefix + secret.Base62(24), SecretHash: s.hasher.Hash(clientSecret),
		Prefix: clientSecret[:8], CreatedAt: s.Now(),
	}
	if err := s.store.CreateClientCredential(ctx, c); err != nil {
		return nil, err
	}
	s.audit(ctx, p.TenantID, "application.credential.create", "client_credential", c.ID, OutcomeSuccess, "application "+a.ID)
	shown := *c
	shown.SecretHash = nil
	return &IssuedCredential{Credential: &shown, ClientSecret: clientSecret, Encoded: EncodeCredential(c.ClientID, clientSecret)}, nil
}

// ListClientCredentials lists one page of an application's credentials,
// oldest first, without secrets, and the cursor of the next page.
func (s *Service) ListClientCredentials(ctx context.Context, appID string, in PageInput) ([]*tokenmint.ClientCredential, string, error) {
	p, a, err := s.adminApplication(ctx, appID)
	if err != nil {
		return nil, "", err
	}
	pg, err := in.idPage()
	if err != nil {
		return nil, "", err
	}
	creds, err := s.store.ListClientCredentials(ctx, p.TenantID, a.ID, pg)
	if err != nil {
		return nil, "", err
	}
	creds, next := keyPage(creds, pg, func(c *tokenmint.ClientCredential) string { return c.ID })
	return creds, next, nil
}

// RevokeClientCredential revokes one credential of an application; the
// others keep working.
func (s *Service) RevokeClientCredential(ctx context.Context, appID, credID string) error {
	p, a, err := s.adminApplication(ctx, appID)
	if err != nil {
		return err
	}
	// A cached client authentication must end with the credential.
	ch := Change{Kind: ChangeApplication, TenantID: p.TenantID, ID: a.ID}
	if err := s.store.RevokeClientCredential(s.announcing(ctx, ch), p.TenantID, a.ID, credID, s.Now()); err != nil {
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return tokenmint.Errorf(tokenmint.ENOTFOUND, "client credential %q not found", credID)
		}
		return err
	}
	s.changed(ctx, ch)
	s.audit(ctx, p.TenantID, "application.credential.revoke", "client_credential", credID, OutcomeSuccess, "application "+a.ID)
	return nil
}
