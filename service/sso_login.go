package service

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/sso"
)

// SSOLoginTTL is how long a person has at the identity provider between
// starting a sign-in and coming back with the code.
const SSOLoginTTL = 10 * time.Minute

// ssoStartsPerMinute bounds the sign-ins an IP may start: each one is a
// row in the store and a request to the identity provider.
const ssoStartsPerMinute = 30

// SSOStart is a sign-in begun: where to send the browser.
type SSOStart struct {
	AuthURL string
	// State is the sign-in's state parameter, for the caller to bind the
	// sign-in to the browser that started it.
	State string
}

// StartSSO begins a sign-in at a tenant's identity provider ("" = the
// default tenant). It reads the provider's discovery document (an
// unreachable provider is EUNAVAILABLE, with a message for the person) and
// keeps state, nonce and PKCE verifier in the store under the hash of the
// state, for FinishSSO to take once. redirectURI is this server's callback,
// as registered at the provider; next is where to go once signed in.
func (s *Service) StartSSO(ctx context.Context, tenantName, redirectURI, next string) (*SSOStart, error) {
	ip := throttleKey(ClientIPFromContext(ctx))
	if _, err := s.reserveAttempt(ctx, limitKey{attemptKey("sso start", ip), ssoStartsPerMinute}); err != nil {
		return nil, err
	}
	t, err := s.tenantByName(ctx, tenantName)
	if err != nil {
		return nil, err
	}
	pr, err := s.ssoProvider(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	cfg, err := s.ssoConfig(pr, redirectURI)
	if err != nil {
		return nil, err
	}
	state, nonce, verifier := secret.Opaque(32), secret.Opaque(24), oauth2.GenerateVerifier()
	authURL, err := s.cfg.SSO.AuthCodeURL(ctx, cfg, state, nonce, verifier)
	if err != nil {
		s.audit(ctx, t.ID, "sso.login", "tenant", t.ID, OutcomeFailure, "identity provider unreachable")
		return nil, err
	}
	now := s.Now()
	l := &tokenmint.SSOLogin{
		StateHash: s.hasher.Hash(state), TenantID: t.ID, Nonce: nonce, Verifier: verifier,
		RedirectURI: redirectURI, Next: next, CreatedAt: now, ExpiresAt: now.Add(SSOLoginTTL),
	}
	if err := s.store.CreateSSOLogin(ctx, l); err != nil {
		return nil, err
	}
	return &SSOStart{AuthURL: authURL, State: state}, nil
}

// ssoConfig is the flow's view of a provider, its secret opened.
func (s *Service) ssoConfig(pr *tokenmint.SSOProvider, redirectURI string) (sso.Config, error) {
	cfg := sso.Config{
		IssuerURL: pr.IssuerURL, ClientID: pr.ClientID, Scopes: pr.Scopes,
		RedirectURI: redirectURI, GroupsClaim: pr.GroupsClaim,
	}
	if len(pr.SealedClientSecret) > 0 {
		b, err := s.cfg.MasterKey.Open(pr.SealedClientSecret, ssoSecretAD(pr.TenantID))
		if err != nil {
			s.log.Error("single sign-on client secret does not open; is the master key the one it was sealed with?", "tenant", pr.TenantID)
			return cfg, tokenmint.Errorf(tokenmint.EINTERNAL, "the single sign-on settings cannot be read")
		}
		cfg.ClientSecret = string(b)
	}
	return cfg, nil
}

// SSOResult is a finished sign-in: the session, and where to go.
type SSOResult struct {
	*LoginResult
	Next string
}

// errSSOStale answers a callback whose sign-in is unknown, used or expired.
var errSSOStale = tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "this sign-in has expired or was already used; start again")

// FinishSSO completes a sign-in when the identity provider sends the
// browser back: it takes the sign-in of the state (once: a replayed state
// finds nothing), redeems the code with the PKCE verifier, verifies the ID
// token and its nonce, creates the user on first sign-in, sets the user's
// roles from the groups claim and opens a session.
func (s *Service) FinishSSO(ctx context.Context, state, code, providerError string) (*SSOResult, error) {
	if state == "" || !plainText(state) || len(state) > 256 {
		return nil, errSSOStale
	}
	now := s.Now()
	l, err := s.store.TakeSSOLogin(ctx, s.hasher.Hash(state), now)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		s.audit(ctx, "", "sso.login", "", "", OutcomeFailure, "unknown or used state")
		return nil, errSSOStale
	} else if err != nil {
		return nil, err
	}
	if !now.Before(l.ExpiresAt) {
		s.audit(ctx, l.TenantID, "sso.login", "tenant", l.TenantID, OutcomeFailure, "sign-in expired")
		return nil, errSSOStale
	}
	if providerError != "" {
		s.audit(ctx, l.TenantID, "sso.login", "tenant", l.TenantID, OutcomeFailure, "identity provider answered an error")
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the identity provider did not sign you in (%s)", shortText(providerError))
	}
	if code == "" {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "the identity provider sent no code")
	}
	pr, err := s.ssoProvider(ctx, l.TenantID)
	if err != nil {
		return nil, err
	}
	cfg, err := s.ssoConfig(pr, l.RedirectURI)
	if err != nil {
		return nil, err
	}
	id, err := s.cfg.SSO.Exchange(ctx, cfg, code, l.Verifier, l.Nonce)
	if err != nil {
		s.audit(ctx, l.TenantID, "sso.login", "tenant", l.TenantID, OutcomeFailure, tokenmint.ErrorMessage(err))
		return nil, err
	}
	u, err := s.ssoUser(ctx, pr, id)
	if err != nil {
		return nil, err
	}
	res, err := s.openSession(ctx, u)
	if err != nil {
		return nil, err
	}
	actx := tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: u.TenantID, User: u})
	s.audit(actx, u.TenantID, "sso.login", "user", u.ID, OutcomeSuccess, "subject "+shortText(id.Subject))
	return &SSOResult{LoginResult: res, Next: l.Next}, nil
}

// ssoUser finds or creates the user of a verified identity and gives it
// the roles its groups map to.
func (s *Service) ssoUser(ctx context.Context, pr *tokenmint.SSOProvider, id *sso.Identity) (*tokenmint.User, error) {
	tenantRoles, projectRoles, err := s.mapGroups(ctx, pr, id.Groups)
	if err != nil {
		return nil, err
	}
	mapped := len(tenantRoles) > 0 || len(projectRoles) > 0
	var u *tokenmint.User
	link, err := s.store.UserIdentityBySubject(ctx, pr.TenantID, id.Issuer, id.Subject)
	switch {
	case err == nil:
		if u, err = s.store.UserByID(ctx, pr.TenantID, link.UserID); err != nil {
			return nil, err
		}
	case tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND:
		return nil, err
	case !mapped:
		s.audit(ctx, pr.TenantID, "sso.login", "tenant", pr.TenantID, OutcomeDenied, "no mapped group; no user created")
		return nil, noMappedGroup(pr, id)
	default:
		if u, err = s.createSSOUser(ctx, pr, id); err != nil {
			return nil, err
		}
	}
	actx := tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: u.TenantID, User: u})
	if !u.Enabled {
		s.audit(actx, u.TenantID, "sso.login", "user", u.ID, OutcomeDenied, "user disabled")
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "your account in this tenant is disabled; ask an administrator")
	}
	if id.Email != "" && tokenmint.ValidateEmail(id.Email) == nil && id.Email != u.Email {
		u.Email = id.Email
		u.UpdatedAt = s.Now()
		change := Change{Kind: ChangeUser, TenantID: u.TenantID, ID: u.ID}
		if err := s.store.UpdateUser(s.announcing(ctx, change), u); err != nil {
			return nil, err
		}
		s.changed(ctx, change)
	}
	if err := s.applySSORoles(actx, u, tenantRoles, projectRoles); err != nil {
		return nil, err
	}
	if !mapped {
		// Every right the groups gave is gone (applySSORoles took it);
		// the sessions opened with them end too.
		if err := s.endUserSessions(ctx, u.TenantID, u.ID); err != nil {
			return nil, err
		}
		s.audit(actx, u.TenantID, "sso.login", "user", u.ID, OutcomeDenied, "no mapped group; roles removed")
		return nil, noMappedGroup(pr, id)
	}
	return u, nil
}

func noMappedGroup(pr *tokenmint.SSOProvider, id *sso.Identity) error {
	return tokenmint.Errorf(tokenmint.EFORBIDDEN,
		"%s signed you in, but none of your groups is mapped to a role in this tenant, so you cannot sign in here; ask an administrator to add you to a mapped group (groups claim %q)",
		pr.Name, pr.GroupsClaim)
}

// mapGroups maps groups to tenant roles and to roles on projects (by ID).
// A mapping to a project deleted since is skipped.
func (s *Service) mapGroups(ctx context.Context, pr *tokenmint.SSOProvider, groups []string) ([]string, map[string]string, error) {
	tenantRoles, byName := tokenmint.MapGroups(pr.Mappings, groups)
	projects := map[string]string{}
	for _, pj := range byName {
		p, err := s.store.ProjectByName(ctx, pr.TenantID, pj.Project)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			s.log.Warn("single sign-on mapping names a project that does not exist", "tenant", pr.TenantID, "project", pj.Project)
			continue
		} else if err != nil {
			return nil, nil, err
		}
		projects[p.ID] = pj.Role
	}
	return tenantRoles, projects, nil
}

// createSSOUser creates the user of an identity seen for the first time:
// no password, a username from the claims made unique in the tenant.
func (s *Service) createSSOUser(ctx context.Context, pr *tokenmint.SSOProvider, id *sso.Identity) (*tokenmint.User, error) {
	base := ssoUsername(id)
	email := id.Email
	if tokenmint.ValidateEmail(email) != nil {
		email = ""
	}
	for i := 1; i <= 20; i++ {
		name := base
		if i > 1 {
			suffix := fmt.Sprintf("-%d", i)
			name = base[:min(len(base), 64-len(suffix))] + suffix
		}
		now := s.Now()
		u := &tokenmint.User{
			ID: secret.NewID(), TenantID: pr.TenantID, Username: name, Email: email,
			Roles: []string{}, Enabled: true, CreatedAt: now, UpdatedAt: now,
		}
		link := &tokenmint.UserIdentity{TenantID: pr.TenantID, UserID: u.ID, Issuer: id.Issuer, Subject: id.Subject, CreatedAt: now}
		err := s.store.CreateSSOUser(ctx, u, link)
		if err == nil {
			actx := tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: u.TenantID, User: u})
			s.audit(actx, u.TenantID, "user.create", "user", u.ID, OutcomeSuccess, "just in time, by single sign-on")
			return u, nil
		}
		if tokenmint.ErrorCode(err) != tokenmint.ECONFLICT {
			return nil, err
		}
		// A concurrent first sign-in of the same person may have won.
		if l, err := s.store.UserIdentityBySubject(ctx, pr.TenantID, id.Issuer, id.Subject); err == nil {
			return s.store.UserByID(ctx, pr.TenantID, l.UserID)
		}
	}
	return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "no free username for %q in this tenant", base)
}

// ssoUsername derives a valid username from preferred_username, else the
// e-mail's local part, else the subject.
func ssoUsername(id *sso.Identity) string {
	for _, c := range []string{id.PreferredUsername, strings.SplitN(id.Email, "@", 2)[0], "sso-" + id.Subject} {
		name := strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
				return r
			case r == '@':
				return '.'
			}
			return '-'
		}, c)
		name = strings.TrimLeft(name, "._-")
		if len(name) > 64 {
			name = name[:64]
		}
		if tokenmint.ValidateName("username", name) == nil {
			return name
		}
	}
	return "sso-user"
}

// applySSORoles replaces the user's tenant roles and project memberships
// with those the groups map to. The identity provider is the source of a
// single sign-on user's rights: whatever it no longer grants is taken at
// once, for the user's tokens too (each change drops the cached grants,
// here and on the other instances, as an administrator's change does).
func (s *Service) applySSORoles(ctx context.Context, u *tokenmint.User, tenantRoles []string, projects map[string]string) error {
	change := Change{Kind: ChangeUser, TenantID: u.TenantID, ID: u.ID}
	var changes []string
	old := append([]string(nil), u.Roles...)
	sort.Strings(old)
	want := append([]string(nil), tenantRoles...)
	sort.Strings(want)
	if strings.Join(old, ",") != strings.Join(want, ",") {
		u.Roles = tenantRoles
		u.UpdatedAt = s.Now()
		if err := s.store.UpdateUser(s.announcing(ctx, change), u); err != nil {
			return err
		}
		s.changed(ctx, change)
		changes = append(changes, fmt.Sprintf("tenant roles [%s] -> [%s]", strings.Join(old, ","), strings.Join(want, ",")))
	}
	have, err := s.store.ListMemberships(ctx, tokenmint.MembershipFilter{TenantID: u.TenantID, UserID: u.ID})
	if err != nil {
		return err
	}
	for _, m := range have {
		role, keep := projects[m.ProjectID]
		if keep && role == m.Role {
			delete(projects, m.ProjectID)
			continue
		}
		if keep {
			continue // PutMembership below replaces the role
		}
		if err := s.store.DeleteMembership(s.announcing(ctx, change), u.TenantID, m.ProjectID, u.ID); err != nil && tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			return err
		}
		s.changed(ctx, change)
		changes = append(changes, fmt.Sprintf("project %s role %s removed", m.ProjectID, m.Role))
	}
	ids := make([]string, 0, len(projects))
	for id := range projects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, pid := range ids {
		m := &tokenmint.Membership{TenantID: u.TenantID, ProjectID: pid, UserID: u.ID, Role: projects[pid], CreatedAt: s.Now()}
		if err := s.store.PutMembership(s.announcing(ctx, change), m); err != nil {
			return err
		}
		s.changed(ctx, change)
		changes = append(changes, fmt.Sprintf("project %s role %s", pid, m.Role))
	}
	if len(changes) > 0 {
		s.audit(ctx, u.TenantID, "sso.roles", "user", u.ID, OutcomeSuccess, "from the identity provider's groups: "+strings.Join(changes, "; "))
	}
	return nil
}

// shortText keeps text from a provider short and printable for messages
// and the audit trail.
func shortText(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}
