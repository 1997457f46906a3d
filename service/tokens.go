package service

import (
	"context"
	"sort"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// CreateTokenInput is a request for a new user token.
type CreateTokenInput struct {
	Type        string
	Name        string
	Description string
	Project     string // project ID or name
	Expiry      tokenmint.ExpiryRequest
	// AllowedCIDRs are the networks the token may be used from, as given
	// (parsed by tokenmint.ParseCIDRList); none: the default.
	AllowedCIDRs []string
	// defaultCIDRs bind a token that names no networks: an application
	// token gets its application's default.
	defaultCIDRs tokenmint.CIDRList
	// RateLimit is the token's own rate limit (zero: none, the type's
	// default applies).
	RateLimit tokenmint.RateLimit
}

// IssuedToken is a token with its secret, which exists only in this value.
type IssuedToken struct {
	Token   *tokenmint.Token
	Plain   string
	Encoded string
	// RateLimits are the limits in force for the new token, when the
	// creation knew them (nil: ask TokenRateLimits). A creation sets the
	// token's own limit itself and reads its owner's through the cache,
	// which spares the answer a read of what was just written.
	RateLimits *TokenRateLimitInfo
}

// TokenTypeInfo is a creatable type with the limits that apply to a caller.
type TokenTypeInfo struct {
	*tokenmint.TokenType
	// MaxExpiresAt is the latest expiry allowed now (nil: no limit).
	MaxExpiresAt *time.Time
	// NoExpiryAllowed folds the type's and the tenant's rules together.
	NoExpiryAllowed bool
	// ProjectRequired says a token of this type needs a project: the type
	// is project-scoped, or the caller may only create it for a project.
	ProjectRequired bool
	// Projects are the IDs of the projects the caller may create it for
	// when ProjectRequired and only some qualify (sorted); nil when any
	// project of the tenant will do.
	Projects []string
}

// CreatableTypes lists the types the caller may create tokens of, with the
// limits in force for its tenant, and nothing else: a type the caller's
// roles (or the credential presented) do not allow is not shown. Obsolete
// types the caller could otherwise create are listed (marked) so people
// see what replaced them; internal ones never are.
func (s *Service) CreatableTypes(ctx context.Context) ([]TokenTypeInfo, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, err
	}
	pol, err := s.tenantPolicy(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	g, err := s.grantsFor(ctx, p.TenantID, tokenmint.OwnerUser, p.User.ID) // through the cache
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []TokenTypeInfo
	for _, t := range s.types.All() {
		if t.Internal || t.OwnerKind != tokenmint.OwnerUser {
			continue
		}
		asCurrent := *t // an obsolete type is judged as if it were current
		asCurrent.Obsolete = false
		tenantWide, anyProject, projects := s.whereCreatable(&asCurrent, g, p.Credential)
		if !tenantWide && !anyProject && len(projects) == 0 {
			continue
		}
		out = append(out, TokenTypeInfo{
			TokenType:       t,
			MaxExpiresAt:    tokenmint.MaxExpiry(now, t, pol),
			NoExpiryAllowed: t.AllowNoExpiry && pol.MaxLifetimeDays == 0,
			ProjectRequired: !tenantWide,
			Projects:        projects,
		})
	}
	return out, nil
}

// projectWithoutRoles is a project ID no one has a role on (no stored ID
// holds a NUL): only tenant-wide roles count there.
const projectWithoutRoles = "\x00"

// whereCreatable reports whether an owner with grants g may create t
// without a project, and otherwise the projects it may create t for: nil
// with anyProject when a tenant-wide role allows every project. Only
// project-scoped types are created per project; any other type needs its
// permissions tenant-wide. A credential bound (nil for a session) narrows
// all of it.
func (s *Service) whereCreatable(t *tokenmint.TokenType, g tokenmint.Grants, b *tokenmint.CredentialBound) (tenantWide, anyProject bool, projects []string) {
	fits := func(projectID string) bool {
		perms := tokenmint.CreatablePermissions(s.types, t, g, projectID)
		if len(perms) == 0 {
			return false
		}
		if b != nil && b.ProjectID != "" && projectID == "" {
			projectID = b.ProjectID // such a token is scoped like its maker
		}
		return b.Within(perms, projectID, b.CredentialExpiry()) == nil
	}
	if b != nil && b.ProjectID != "" {
		if fits(b.ProjectID) {
			return false, false, []string{b.ProjectID}
		}
		return false, false, nil
	}
	if !t.ProjectScoped {
		return fits(""), false, nil
	}
	if fits(projectWithoutRoles) {
		return false, true, nil
	}
	for pid := range g.ProjectRoles {
		if fits(pid) {
			projects = append(projects, pid)
		}
	}
	sort.Strings(projects)
	return false, false, projects
}

// CreateToken issues a new token owned by the calling user.
func (s *Service) CreateToken(ctx context.Context, in CreateTokenInput) (*IssuedToken, error) {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	typ, err := s.userTokenType(in.Type)
	if err != nil {
		return nil, err
	}
	if typ.RequiresApproval() {
		// Never created silently: the person asks, an administrator decides.
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token type %s requires approval: ask for it with POST /api/v1/token-requests (with a justification)", typ.Name)
	}
	g, err := s.grantsFor(ctx, p.TenantID, tokenmint.OwnerUser, p.User.ID) // through the cache
	if err != nil {
		return nil, err
	}
	return s.issueToken(ctx, tokenOwner{p.TenantID, tokenmint.OwnerUser, p.User.ID, tokenmint.KindUser}, typ, g, in)
}

// userTokenType returns the type a person may own a token of, by name.
func (s *Service) userTokenType(name string) (*tokenmint.TokenType, error) {
	typ, ok := s.types.Lookup(name)
	switch {
	case name == "":
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "type is required")
	case !ok:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "unknown token type %q (GET /api/v1/token-types lists the ones you may create)", name)
	case typ.Internal:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "token type %s is internal: only tokenmint itself creates tokens of it", typ.Name)
	case typ.Obsolete:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "token type %s is obsolete; use %s", typ.Name, typ.ReplacedBy)
	case typ.OwnerKind != tokenmint.OwnerUser:
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "tokens of type %s belong to applications; create them under /api/v1/applications", typ.Name)
	}
	return typ, nil
}

// tokenOwner is who a new token belongs to and the kind letter of its
// secret.
type tokenOwner struct {
	tenantID, kind, id string
	letter             byte
}

// issueToken checks and stores a new token of typ for owner, whose current
// grants are g: name and description, project, the owner's right to create
// the type, and the expiry limits.
func (s *Service) issueToken(ctx context.Context, owner tokenOwner, typ *tokenmint.TokenType, g tokenmint.Grants, in CreateTokenInput) (*IssuedToken, error) {
	tok, pol, err := s.prepareToken(ctx, owner, typ, g, in)
	if err != nil {
		return nil, err
	}
	issued, err := s.storeToken(ctx, owner, tok, pol)
	if err != nil {
		return nil, err
	}
	// The secret is not out yet: no request can use the token before its
	// rate limit is stored (or the token deleted again).
	if err := s.storeNewTokenRateLimit(ctx, issued.Token, in.RateLimit); err != nil {
		return nil, err
	}
	lims, err := s.rateLimitsOf(ctx, issued.Token, &in.RateLimit)
	if err != nil {
		return nil, err
	}
	info := lims.info(issued.Token.Type, s.types)
	issued.RateLimits = &info
	return issued, nil
}

// prepareToken checks a new token of typ for owner, whose current grants
// are g, and returns it unsaved (without a secret) with the tenant's
// policy: name and description, project, the owner's right to create the
// type, and the expiry limits. Token requests run it when asked and again
// when collected, so both obey the same rules as a creation.
func (s *Service) prepareToken(ctx context.Context, owner tokenOwner, typ *tokenmint.TokenType, g tokenmint.Grants, in CreateTokenInput) (*tokenmint.Token, tokenmint.Policy, error) {
	if err := tokenmint.ValidateTokenName(in.Name); err != nil {
		return nil, tokenmint.Policy{}, err
	}
	if err := tokenmint.ValidateTokenDescription(in.Description); err != nil {
		return nil, tokenmint.Policy{}, err
	}
	// A token or JWT can only hand on what it holds itself: a token it
	// creates stays in its project, its permissions and its lifetime.
	bound := tokenmint.PrincipalFromContext(ctx).CredentialBound()
	projectID := ""
	var err error
	if in.Project != "" {
		if projectID, err = s.resolveProject(ctx, owner.tenantID, in.Project); tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, tokenmint.Policy{}, tokenmint.Errorf(tokenmint.EINVALID, "project %q not found", in.Project)
		} else if err != nil {
			return nil, tokenmint.Policy{}, err
		}
	} else if bound != nil && bound.ProjectID != "" {
		projectID = bound.ProjectID
	} else if typ.ProjectScoped {
		return nil, tokenmint.Policy{}, tokenmint.Errorf(tokenmint.EINVALID, "type %s is project scoped: project is required", typ.Name)
	}
	perms := tokenmint.CreatablePermissions(s.types, typ, g, projectID)
	if len(perms) == 0 {
		s.audit(ctx, owner.tenantID, "token.create", "token", "", OutcomeDenied, "type "+typ.Name)
		if !typ.ProjectScoped && projectID != "" && len(tokenmint.CreatablePermissions(s.types, typ, g, "")) == 0 {
			return nil, tokenmint.Policy{}, tokenmint.Errorf(tokenmint.EFORBIDDEN, "type %s needs its permissions tenant-wide; a role on one project does not allow it (use a project-scoped type)", typ.Name)
		}
		return nil, tokenmint.Policy{}, tokenmint.Errorf(tokenmint.EFORBIDDEN, "the owner may not create tokens of type %s", typ.Name)
	}
	pol, err := s.tenantPolicy(ctx, owner.tenantID)
	if err != nil {
		return nil, tokenmint.Policy{}, err
	}
	now := s.Now()
	exp, err := tokenmint.ResolveExpiry(now, typ, pol, in.Expiry)
	if err != nil {
		return nil, tokenmint.Policy{}, err
	}
	if bound != nil && bound.ExpiresAt != nil && in.Expiry == (tokenmint.ExpiryRequest{}) && (exp == nil || exp.After(*bound.ExpiresAt)) {
		// No expiry asked for: the default is cut to the credential's own.
		cut := *bound.ExpiresAt
		exp = &cut
	}
	if err := bound.Within(perms, projectID, exp); err != nil {
		s.audit(ctx, owner.tenantID, "token.create", "token", "", OutcomeDenied, "type "+typ.Name+": beyond the presenting credential")
		return nil, tokenmint.Policy{}, err
	}
	if err := s.checkNewTokenRateLimit(ctx, owner.tenantID, typ, bound, in.RateLimit); err != nil {
		return nil, tokenmint.Policy{}, err
	}
	cidrs, err := s.newTokenNetworks(ctx, owner.tenantID, typ, &in, bound)
	if err != nil {
		return nil, tokenmint.Policy{}, err
	}
	return &tokenmint.Token{
		ID: secret.NewID(), TenantID: owner.tenantID, OwnerKind: owner.kind, OwnerID: owner.id,
		Type: typ.Name, Name: in.Name, Description: in.Description, ProjectID: projectID,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: exp,
		MaxUses: typ.MaxUses, StoredStatus: tokenmint.StatusActive, AllowedCIDRs: cidrs,
	}, pol, nil
}

// storeToken gives a prepared token its secret and stores it, within the
// owner's token quota.
func (s *Service) storeToken(ctx context.Context, owner tokenOwner, tok *tokenmint.Token, pol tokenmint.Policy) (*IssuedToken, error) {
	now := tok.CreatedAt
	plain := secret.NewToken(owner.letter)
	tok.Prefix = plain[:tokenmint.DisplayPrefixLen]
	// The quota is counted in the store's transaction, serialized per
	// owner, so concurrent creations cannot overshoot it.
	quota := tokenmint.WithTokenQuota(ctx, tokenmint.TokenQuota{Max: pol.MaxTokensPerOwner, Now: now})
	// The audit entry commits with the token, in its transaction: one
	// commit for both, and no token is acknowledged without its entry.
	entry := s.auditEntry(ctx, owner.tenantID, "token.create", "token", tok.ID, OutcomeSuccess, "type "+tok.Type)
	if err := s.store.CreateToken(tokenmint.WithAuditEntry(quota, entry), tok, s.hasher.Hash(plain)); err != nil {
		if tokenmint.IsTokenQuotaError(err) {
			s.audit(ctx, owner.tenantID, "token.create", "token", "", OutcomeDenied, "type "+tok.Type+": owner's token quota reached")
		}
		return nil, err
	}
	s.emit(ctx, tokenmint.EventTokenCreated, tok, "")
	return &IssuedToken{Token: tok, Plain: plain, Encoded: tokenmint.EncodeToken(plain)}, nil
}

// ListTokensInput selects tokens to list.
type ListTokensInput struct {
	Owner  string // user ID or username; admins only
	All    bool   // every token of the tenant; admins only
	Status string
	Type   string
	// ExpiringWithinDays (1-3650; 0 off) keeps tokens that expire within
	// that many days from now and have not expired yet.
	ExpiringWithinDays int
	// UnusedDays (1-3650; 0 off) keeps tokens not used for that many days
	// (counted from their creation when never used).
	UnusedDays int
	// NoExpiry keeps only tokens without an expiry.
	NoExpiry bool
	// ExpiresOn (YYYY-MM-DD; "" off) keeps tokens that expire on that UTC
	// day, as the dashboard's expiry cliffs link to.
	ExpiresOn string
	Before    string
	Limit     int
}

// ListTokens lists the caller's tokens, or (for admins) another user's or
// the whole tenant's, and returns the cursor of the next page ("" on the
// last). Admins never see other owners' descriptions.
func (s *Service) ListTokens(ctx context.Context, in ListTokensInput) ([]*tokenmint.Token, string, error) {
	toks, err := s.listTokens(ctx, &in)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(toks) > in.Limit { // one extra row was read to know a next page exists
		toks = toks[:in.Limit]
		next = toks[len(toks)-1].ID
	}
	return toks, next, nil
}

func (s *Service) listTokens(ctx context.Context, in *ListTokensInput) ([]*tokenmint.Token, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, err
	}
	if in.Status != "" && !tokenmint.ValidStatus(in.Status) {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "status must be one of active, inactive, expired, revoked, exhausted")
	}
	if in.Limit < 0 || in.Limit > 500 {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "limit must be 1-500")
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	f := tokenmint.TokenFilter{
		TenantID: p.TenantID, OwnerKind: tokenmint.OwnerUser, OwnerID: p.User.ID,
		Type: in.Type, Status: in.Status, Now: s.Now(), Before: in.Before, Limit: in.Limit + 1,
	}
	if err := in.applyDayFilters(&f); err != nil {
		return nil, err
	}
	if in.All || in.Owner != "" {
		if !p.Can("tokens:manage") {
			return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only administrators may list other users' tokens")
		}
		f.OwnerKind, f.OwnerID = "", ""
		if in.Owner != "" {
			u, err := s.lookupUser(ctx, p.TenantID, in.Owner)
			if err != nil {
				return nil, err
			}
			f.OwnerKind, f.OwnerID = tokenmint.OwnerUser, u.ID
		}
	}
	toks, err := s.store.ListTokens(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		redactForCaller(p, t)
	}
	return toks, nil
}

// GetToken returns one token the caller owns or administers.
func (s *Service) GetToken(ctx context.Context, id string) (*tokenmint.Token, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, err
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	redactForCaller(p, tok)
	return tok, nil
}

// SelfToken returns the token the caller authenticated with.
func (s *Service) SelfToken(ctx context.Context) (*tokenmint.Token, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil || p.Token == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "present the token itself to use this endpoint")
	}
	return s.store.TokenByID(ctx, p.TenantID, p.Token.ID)
}

// IsOwner reports whether p owns tok.
func IsOwner(p *tokenmint.Principal, tok *tokenmint.Token) bool {
	if p == nil {
		return false
	}
	if tok.OwnerKind == tokenmint.OwnerUser {
		return p.User != nil && p.User.ID == tok.OwnerID
	}
	return p.ApplicationID == tok.OwnerID
}

// SeesPrivate reports whether p may see tok's description and usage. Its
// owner may; an administrator may for an application's token (the
// tenant's administrators answer for its applications) but never for
// another user's token (Fortify's rule).
func SeesPrivate(p *tokenmint.Principal, tok *tokenmint.Token) bool {
	if IsOwner(p, tok) {
		return true
	}
	return p != nil && tok.OwnerKind == tokenmint.OwnerApplication && p.Can("tokens:manage")
}

// redactForCaller hides what the caller may not see of a token: the
// description of another user's token.
func redactForCaller(p *tokenmint.Principal, tok *tokenmint.Token) {
	if !SeesPrivate(p, tok) {
		tok.Description = ""
	}
}

// ownTokensAccess checks the caller may work with tokens at all: a signed-in
// user always may manage their own; a token needs tokens:read or
// tokens:write among its effective permissions.
func (s *Service) ownTokensAccess(ctx context.Context, write bool) (*tokenmint.Principal, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	if p.User == nil {
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only users manage user tokens")
	}
	if p.Token != nil {
		need := tokenmint.Permission("tokens:read")
		if write {
			need = "tokens:write"
		}
		if !p.CredentialCan(need) && !p.Can("tokens:manage") {
			return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "this token lacks permission %s", need)
		}
	}
	return p, nil
}

// accessibleToken loads a token the caller owns or, as an administrator,
// may govern. Others' tokens are "not found" so IDs reveal nothing.
func (s *Service) accessibleToken(ctx context.Context, p *tokenmint.Principal, id string) (*tokenmint.Token, bool, error) {
	if id == "self" {
		if p.Token == nil {
			return nil, false, tokenmint.Errorf(tokenmint.EINVALID, "\"self\" names the token presented in Authorization; none was presented")
		}
		id = p.Token.ID
	}
	tok, err := s.store.TokenByID(ctx, p.TenantID, id)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, false, tokenmint.Errorf(tokenmint.ENOTFOUND, "token not found")
	} else if err != nil {
		return nil, false, err
	}
	owner := IsOwner(p, tok)
	if !owner && !p.Can("tokens:manage") {
		return nil, false, tokenmint.Errorf(tokenmint.ENOTFOUND, "token not found")
	}
	return tok, owner, nil
}
