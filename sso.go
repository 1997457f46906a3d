package tokenmint

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"time"
)

// SSOProvider is a tenant's OpenID Connect identity provider: where people
// of the tenant sign in, and how the groups it names become roles. The
// client secret is kept sealed with the master key and never leaves the
// server once set.
type SSOProvider struct {
	TenantID string `json:"-"`
	// Name is shown on the sign-in button ("Sign in with <Name>").
	Name      string `json:"name"`
	IssuerURL string `json:"issuer_url"`
	ClientID  string `json:"client_id"`
	// SealedClientSecret is the client secret sealed with the master key
	// (empty for a public client).
	SealedClientSecret []byte   `json:"-"`
	Scopes             []string `json:"scopes"`
	// GroupsClaim names the claim of the ID token (or userinfo) that lists
	// the user's groups.
	GroupsClaim string       `json:"groups_claim"`
	Mappings    []SSOMapping `json:"mappings"`
	// LocalPasswordsDisabled turns local password sign-in off for the
	// tenant, except for BreakGlassUser.
	LocalPasswordsDisabled bool      `json:"-"`
	BreakGlassUser         string    `json:"break_glass_user,omitempty"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// SSOMapping grants a role to the members of a group: tenant-wide, or on
// one project (by name) when Project is set.
type SSOMapping struct {
	Group   string `json:"group"`
	Project string `json:"project,omitempty"`
	Role    string `json:"role"`
}

// Local password settings of an SSO provider, as the API and CLI name them.
const (
	LocalPasswordsEnabled  = "enabled"
	LocalPasswordsDisabled = "disabled"
)

// DefaultGroupsClaim is the claim read for groups when none is configured.
const DefaultGroupsClaim = "groups"

// DefaultSSOScopes are requested when none are configured.
var DefaultSSOScopes = []string{"openid", "profile", "email", "groups"}

// LocalPasswords returns "enabled" or "disabled".
func (p *SSOProvider) LocalPasswords() string {
	if p.LocalPasswordsDisabled {
		return LocalPasswordsDisabled
	}
	return LocalPasswordsEnabled
}

// LocalLoginAllowed reports whether username may sign in with a local
// password in a tenant with this provider (nil: no provider, always).
func (p *SSOProvider) LocalLoginAllowed(username string) bool {
	if p == nil || !p.LocalPasswordsDisabled {
		return true
	}
	// Usernames are case-sensitive: "ROOT" is another user than "root".
	return p.BreakGlassUser != "" && p.BreakGlassUser == username
}

// Normalize fills defaults: the groups claim, the scopes (always with
// openid) and the display name.
func (p *SSOProvider) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.IssuerURL = strings.TrimSpace(p.IssuerURL)
	if p.GroupsClaim == "" {
		p.GroupsClaim = DefaultGroupsClaim
	}
	if len(p.Scopes) == 0 {
		p.Scopes = append([]string(nil), DefaultSSOScopes...)
	}
	hasOpenID := false
	for _, s := range p.Scopes {
		hasOpenID = hasOpenID || s == "openid"
	}
	if !hasOpenID {
		p.Scopes = append([]string{"openid"}, p.Scopes...)
	}
	if p.Name == "" {
		if u, err := url.Parse(p.IssuerURL); err == nil && u.Host != "" {
			p.Name = u.Hostname()
		}
	}
	if p.Mappings == nil {
		p.Mappings = []SSOMapping{}
	}
}

// Validate checks a provider's settings (after Normalize). It does not
// check that mapped projects exist: the service does, in the tenant.
func (p *SSOProvider) Validate() error {
	if err := ValidateNameText("name", p.Name); err != nil {
		return err
	}
	if p.Name == "" || len(p.Name) > 64 {
		return Errorf(EINVALID, "name must be 1-64 characters")
	}
	u, err := url.Parse(p.IssuerURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(p.IssuerURL) > 512 {
		return Errorf(EINVALID, "issuer_url must be an http(s) URL without query or fragment, e.g. https://idp.example.com/realms/acme")
	}
	if p.ClientID == "" || len(p.ClientID) > 256 || strings.ContainsAny(p.ClientID, " \t\r\n") {
		return Errorf(EINVALID, "client_id must be 1-256 characters without spaces")
	}
	if len(p.Scopes) > 20 {
		return Errorf(EINVALID, "at most 20 scopes")
	}
	for _, s := range p.Scopes {
		if s == "" || len(s) > 128 || strings.ContainsAny(s, " \t\r\n\"\\") {
			return Errorf(EINVALID, "scope %q is not a valid scope token", s)
		}
	}
	if len(p.GroupsClaim) > 128 || strings.ContainsAny(p.GroupsClaim, " \t\r\n") {
		return Errorf(EINVALID, "groups_claim must be a claim name without spaces")
	}
	if len(p.Mappings) == 0 {
		return Errorf(EINVALID, "give at least one mapping of a group to a role: without one nobody could sign in")
	}
	if len(p.Mappings) > 500 {
		return Errorf(EINVALID, "at most 500 mappings")
	}
	for _, m := range p.Mappings {
		if m.Group == "" || len(m.Group) > 256 {
			return Errorf(EINVALID, "every mapping needs a group of 1-256 characters")
		}
		if err := ValidateNameText("group", m.Group); err != nil {
			return err
		}
		if !ValidRole(m.Role) {
			return Errorf(EINVALID, "mapping of group %q: unknown role %q (roles: %s)", m.Group, m.Role, strings.Join(Roles, ", "))
		}
		if m.Project != "" {
			if err := ValidateName("project", m.Project); err != nil {
				return err
			}
		}
	}
	if p.LocalPasswordsDisabled && p.BreakGlassUser == "" {
		return Errorf(EINVALID, "with local passwords disabled, name a break-glass administrator (break_glass_user) who may still sign in with a password")
	}
	if p.BreakGlassUser != "" {
		if err := ValidateName("break_glass_user", p.BreakGlassUser); err != nil {
			return err
		}
	}
	return nil
}

// ProjectRole is a role on one project (by name) that a mapping grants.
type ProjectRole struct {
	Project string
	Role    string
}

// MapGroups returns the tenant roles and project roles that mappings grant
// to a member of groups. Roles are sorted and unique; a project granted
// several roles gets the broadest (admin, then member, then viewer).
func MapGroups(mappings []SSOMapping, groups []string) (tenantRoles []string, projectRoles []ProjectRole) {
	in := map[string]bool{}
	for _, g := range groups {
		in[g] = true
	}
	tenant := map[string]bool{}
	projects := map[string]string{}
	for _, m := range mappings {
		if !in[m.Group] {
			continue
		}
		if m.Project == "" {
			tenant[m.Role] = true
			continue
		}
		key := strings.ToLower(m.Project)
		if cur, ok := projects[key]; !ok || roleRank(m.Role) < roleRank(cur) {
			projects[key] = m.Role
		}
	}
	tenantRoles = []string{}
	for _, r := range Roles {
		if tenant[r] {
			tenantRoles = append(tenantRoles, r)
		}
	}
	for p, r := range projects {
		projectRoles = append(projectRoles, ProjectRole{Project: p, Role: r})
	}
	sort.Slice(projectRoles, func(i, j int) bool { return projectRoles[i].Project < projectRoles[j].Project })
	return tenantRoles, projectRoles
}

// roleRank orders built-in roles from the broadest (0).
func roleRank(role string) int {
	for i, r := range Roles {
		if r == role {
			return i
		}
	}
	return len(Roles)
}

// SSOLogin is a sign-in in progress: what the callback needs to finish it.
// The store keeps it under the hash of the state parameter, and hands it
// out once (TakeSSOLogin), so a replayed callback finds nothing.
type SSOLogin struct {
	StateHash []byte
	TenantID  string
	Nonce     string
	// Verifier is the PKCE code verifier (RFC 7636).
	Verifier    string
	RedirectURI string
	// Next is where the browser goes once signed in.
	Next      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserIdentity links a user to the subject an identity provider knows
// them by.
type UserIdentity struct {
	TenantID  string
	UserID    string
	Issuer    string
	Subject   string
	CreatedAt time.Time
}

// SSOStore keeps the tenants' identity providers, the sign-ins in
// progress and the link of users to their identity provider subjects.
type SSOStore interface {
	// PutSSOProvider creates or replaces the tenant's provider.
	PutSSOProvider(ctx context.Context, p *SSOProvider) error
	// SSOProviderByTenant returns the tenant's provider (ENOTFOUND: none).
	SSOProviderByTenant(ctx context.Context, tenantID string) (*SSOProvider, error)
	// DeleteSSOProvider removes the tenant's provider (ENOTFOUND: none).
	DeleteSSOProvider(ctx context.Context, tenantID string) error

	// CreateSSOLogin stores a sign-in in progress.
	CreateSSOLogin(ctx context.Context, l *SSOLogin) error
	// TakeSSOLogin returns and deletes the sign-in with the state hash, in
	// one step: of concurrent callers exactly one gets it, the others
	// ENOTFOUND. Expired sign-ins are returned too (the caller judges) and
	// those that ended before before are deleted on the way.
	TakeSSOLogin(ctx context.Context, stateHash []byte, before time.Time) (*SSOLogin, error)

	// CreateSSOUser stores a new user and its identity in one transaction:
	// ECONFLICT when the username or the identity exists already.
	CreateSSOUser(ctx context.Context, u *User, id *UserIdentity) error
	// UserIdentityBySubject finds the identity of a provider's subject in
	// a tenant (ENOTFOUND: none).
	UserIdentityBySubject(ctx context.Context, tenantID, issuer, subject string) (*UserIdentity, error)
}

// ParseSSOMapping reads the text form of a mapping, as the CLI and the UI
// take it: GROUP=ROLE (tenant-wide) or GROUP=PROJECT:ROLE. It splits at the
// last '=', since group names (LDAP DNs) may hold one.
func ParseSSOMapping(s string) (SSOMapping, error) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, '=')
	if i <= 0 || i == len(s)-1 {
		return SSOMapping{}, Errorf(EINVALID, "mapping %q: write GROUP=ROLE or GROUP=PROJECT:ROLE", s)
	}
	m := SSOMapping{Group: strings.TrimSpace(s[:i]), Role: strings.TrimSpace(s[i+1:])}
	if p, r, ok := strings.Cut(m.Role, ":"); ok {
		m.Project, m.Role = strings.TrimSpace(p), strings.TrimSpace(r)
	}
	return m, nil
}

// String is the text form ParseSSOMapping reads.
func (m SSOMapping) String() string {
	if m.Project != "" {
		return m.Group + "=" + m.Project + ":" + m.Role
	}
	return m.Group + "=" + m.Role
}
