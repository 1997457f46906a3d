package service

import (
	"cmp"
	"context"
	"net/netip"
	"time"

	"tokenmint"
	"tokenmint/oauth"
)

// VerifyRequest asks whether a presented token may do something.
type VerifyRequest struct {
	Token      string // plain or encoded
	Permission tokenmint.Permission
	// AlsoRequire are further permissions that must all hold, for a
	// request that names several (forward-auth with repeated parameters).
	AlsoRequire []tokenmint.Permission
	Project     string // project ID or name; "" for none
	IP          string
	// Addr, when valid, is IP parsed (IP must be Addr.String()): a caller
	// that parsed the client's address saves the usage buffer parsing its
	// text again.
	Addr netip.Addr
	// Tenant, when set, is the tenant (by name) the caller serves: a token
	// of another tenant is refused as unknown there, before a use is spent.
	Tenant string
	// Inspect asks only whether the token is valid (introspection): a use
	// is not spent and usage is not recorded.
	Inspect bool
	// NoSpend records usage but spends no use of a limited-use token: the
	// caller only reads (a token reading its own metadata).
	NoSpend bool
}

// VerifyResult describes an accepted token.
type VerifyResult struct {
	Token       *tokenmint.Token
	Type        *tokenmint.TokenType
	Grants      tokenmint.Grants
	ProjectID   string
	Permissions tokenmint.PermissionSet
	// SecretValidUntil is the end of the grace period of a rotated secret.
	SecretValidUntil *time.Time
	// Claims are a verified JWT access token's (nil for opaque tokens);
	// shared with the cache, so read-only.
	Claims *tokenmint.AccessClaims
	// TokenRateLimit is the token's effective rate limit (its own or its
	// type's; zero: none), and Rate the state of the limits after this
	// request (Limit 0 when neither the token nor its owner is limited).
	TokenRateLimit tokenmint.RateLimit
	Rate           RateState
	// sorted is Permissions in order, when the cache already had it.
	sorted []tokenmint.Permission
	// tok and exp hold what Token points to for a cached token, in the
	// result's own allocation.
	tok tokenmint.Token
	exp time.Time
	id  [36]byte // the text of tok.ID (cachedToken.token)
}

// Verify is the hot path. It reads the in-memory view of token state and
// writes nothing synchronously, except spending a use of a limited-use
// token, which must be atomic in the store to be exactly-once across
// instances. Usage is buffered, and so are the counts of refusals of a
// token the server knows (per tenant and day, for the dashboard). A token
// nobody knows belongs to no tenant and is not counted there.
func (s *Service) Verify(ctx context.Context, req VerifyRequest) (*VerifyResult, error) {
	var tenantID string
	res, err := s.verify(ctx, req, &tenantID)
	if err != nil && tenantID != "" && !req.Inspect {
		if c := tokenmint.ErrorCode(err); c == tokenmint.EUNAUTHORIZED || c == tokenmint.EFORBIDDEN {
			s.usage.RecordFailure(tenantID, s.Now())
		}
	}
	return res, err
}

// verify is Verify; it sets *tenantID once the token is known to belong
// to a tenant (and to the one the caller serves, if named).
func (s *Service) verify(ctx context.Context, req VerifyRequest, tenantID *string) (*VerifyResult, error) {
	if oauth.LooksLikeJWT(req.Token) {
		return s.verifyJWT(ctx, req, tenantID) // JWT access tokens: see oauth_verify.go
	}
	plain, kind, err := tokenmint.ParseToken(req.Token)
	if err != nil {
		return nil, err // bad shape or checksum: no lookup at all
	}
	if kind != tokenmint.KindUser && kind != tokenmint.KindApplication {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "this kind of token cannot be used here")
	}
	now := s.Now()
	e, err := s.lookupSecretFrom(ctx, plain, req.IP)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{}
	e.token(&res.tok, &res.exp, &res.id)
	tok := &res.tok
	res.Token = tok
	if err := s.checkTenant(ctx, req.Tenant, tok.TenantID); err != nil {
		return nil, err
	}
	*tenantID = tok.TenantID
	validUntil := e.validUntil()
	if secretRetired(validUntil, now) {
		s.costLikeUnknown(ctx, plain)
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token was rotated and its grace period has ended")
	}
	if st := tok.Status(now); st != tokenmint.StatusActive {
		s.costLikeUnknown(ctx, plain)
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token is %s", st)
	}
	if tokenmint.BlockedBy(e.blockList(), req.IP) {
		s.auditBlocked(ctx, tok, req.IP)
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is blocked for this client IP")
	}
	if err := s.checkNetwork(ctx, tok, req.IP); err != nil {
		return nil, err // before any use is spent (networks.go)
	}
	typ, ok := s.types.Lookup(tok.Type)
	if !ok {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token type %s is no longer configured", tok.Type)
	}
	gen := s.cache.generation()
	g, grantsFilled, err := s.grantsFilled(ctx, tok.TenantID, tok.OwnerKind, tok.OwnerID)
	if err != nil {
		return nil, err
	}
	if !g.Enabled {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token owner is disabled")
	}
	if err := s.checkProjectExists(ctx, tok.TenantID, tok.ProjectID); err != nil {
		return nil, err
	}
	projectID := ""
	if req.Project != "" {
		if projectID, err = s.resolveProject(ctx, tok.TenantID, req.Project); tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is not valid for project %q", req.Project)
		} else if err != nil {
			return nil, err
		}
	}
	pk := permsKey{tok.TenantID, tok.OwnerKind, tok.OwnerID, tok.Type, tok.ProjectID, projectID}
	memo, ok := s.cache.permsOf(&pk, grantsFilled)
	if !ok {
		memo.perms = tokenmint.EffectivePermissions(s.types, typ, tok, g, projectID)
		memo.sorted, memo.grantsFilled = memo.perms.Sorted(), grantsFilled
		s.cache.putPerms(gen, &pk, memo)
	}
	perms := memo.perms
	if len(perms) == 0 {
		if tok.ProjectID != "" && projectID != "" && projectID != tok.ProjectID {
			return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is not valid for project %q", req.Project)
		}
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token owner no longer holds any permission of type %s", typ.Name)
	}
	if err := req.checkPermissions(perms); err != nil {
		return nil, err
	}
	res.Type, res.Grants, res.Permissions, res.sorted, res.SecretValidUntil = typ, g, perms, memo.sorted, validUntil
	lims, err := s.rateLimitsOf(ctx, tok, e.limit)
	if err != nil {
		return nil, err
	}
	res.TokenRateLimit, _ = lims.effective(typ)
	if req.Inspect {
		// Introspection is not a use: it does not count against limits.
		res.ProjectID = cmp.Or(projectID, tok.ProjectID)
		return res, nil
	}
	if err := s.countRate(lims, res, now); err != nil {
		return nil, err
	}
	if tok.MaxUses > 0 && !req.NoSpend {
		ok, err := s.store.SpendUse(ctx, tok.ID, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token is %s", tokenmint.StatusExhausted)
		}
	}
	s.usage.record(tok.TenantID, tok.ID, req.Addr, req.IP, now)
	res.ProjectID = cmp.Or(projectID, tok.ProjectID)
	return res, nil
}

// checkPermissions refuses a token lacking any permission the request
// names.
func (req *VerifyRequest) checkPermissions(perms tokenmint.PermissionSet) error {
	if req.Permission != "" && !perms.Has(req.Permission) {
		return tokenmint.Errorf(tokenmint.EFORBIDDEN, "token lacks permission %s", req.Permission)
	}
	for _, p := range req.AlsoRequire {
		if !perms.Has(p) {
			return tokenmint.Errorf(tokenmint.EFORBIDDEN, "token lacks permission %s", p)
		}
	}
	return nil
}

// checkTenant refuses a token of another tenant than the one named (none
// named: any tenant).
func (s *Service) checkTenant(ctx context.Context, want, tenantID string) error {
	if want == "" {
		return nil
	}
	name, err := s.TenantName(ctx, tenantID)
	if err != nil {
		return err
	}
	if name != want {
		return tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token is not valid in tenant %q", want)
	}
	return nil
}

// checkProjectExists refuses a project-scoped token, opaque or JWT, once
// its project is deleted, even where a tenant-wide role would still allow
// what it asks. projectID "" (not scoped) passes.
func (s *Service) checkProjectExists(ctx context.Context, tenantID, projectID string) error {
	if projectID == "" {
		return nil
	}
	if _, err := s.resolveProject(ctx, tenantID, projectID); tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return tokenmint.Errorf(tokenmint.EFORBIDDEN, "the token's project was deleted")
	} else if err != nil {
		return err
	}
	return nil
}

// secretRetired reports whether a secret replaced by rotation has passed
// the end of its grace period (validUntil is nil for a current secret).
func secretRetired(validUntil *time.Time, now time.Time) bool {
	return validUntil != nil && !now.Before(*validUntil)
}

// lookupSecret finds the token holding a secret, through the cache.
func (s *Service) lookupSecret(ctx context.Context, plain string) (cachedToken, error) {
	return s.lookupSecretFrom(ctx, plain, "")
}

// lookupSecretFrom is lookupSecret for a client IP whose unknown tokens
// are limited (verifylimit.go; "" for none). A cached token never touches
// the limiter.
func (s *Service) lookupSecretFrom(ctx context.Context, plain, ip string) (cachedToken, error) {
	hash := s.hasher.Sum(plain)
	if e, ok := s.cache.secret(secretKeyOf(&hash)); ok {
		return e, nil
	}
	ipKey := unknownTokenKey(ip)
	if ipKey != "" {
		if blocked, wait := s.unknownLim.Blocked(ipKey); blocked {
			return cachedToken{}, &RateLimitError{RetryAfter: wait, Reason: "too many unknown tokens from this address; try again later"}
		}
	}
	gen := s.cache.generation()
	// The store gets a copy: a slice of hash handed to an interface would
	// move hash to the heap on every verification, cached or not.
	whole := hash
	tok, validUntil, err := s.store.TokenBySecret(ctx, whole[:])
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		if ipKey != "" {
			s.unknownLim.Fail(ipKey)
		}
		return cachedToken{}, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "unknown token")
	} else if err != nil {
		return cachedToken{}, err
	}
	blocks, err := s.blockPrefixes(ctx, tok.TenantID, tok.ID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND { // deleted meanwhile
		return cachedToken{}, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "unknown token")
	} else if err != nil {
		return cachedToken{}, err
	}
	e, ok := newCachedToken(tok, validUntil, blocks)
	if !ok {
		return cachedToken{}, tokenmint.Errorf(tokenmint.EINTERNAL, "token %s has an owner kind or state this server does not know", tok.ID)
	}
	if err := s.fillRateLimits(ctx, gen, tok, &e); err != nil {
		return cachedToken{}, err
	}
	s.cache.putSecret(gen, secretKeyOf(&hash), e)
	return e, nil
}

// ExpiresAt returns when the verified token stops working: its expiry, or
// the end of the presented secret's grace period if that comes first.
func (r *VerifyResult) ExpiresAt() *time.Time {
	if r.SecretValidUntil != nil && (r.Token.ExpiresAt == nil || r.SecretValidUntil.Before(*r.Token.ExpiresAt)) {
		return r.SecretValidUntil
	}
	return r.Token.ExpiresAt
}

// SortedPermissions returns the permissions in lexical order; callers must
// not change the slice.
func (r *VerifyResult) SortedPermissions() []tokenmint.Permission {
	if r.sorted == nil {
		r.sorted = r.Permissions.Sorted()
	}
	return r.sorted
}
