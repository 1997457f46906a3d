package service

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"tokenmint"
	"tokenmint/secret"
)

// LoginResult is a new session; Cookie is its secret value, shown once.
type LoginResult struct {
	Cookie  string
	Session *tokenmint.Session
	User    *tokenmint.User
}

// Login checks a username and password in a tenant ("" = default) and opens
// a session. Attempts are throttled per user and IP, per IP and per user
// (attemptlimit.go) and answer the same whether the tenant, the user or
// the password was wrong.
func (s *Service) Login(ctx context.Context, tenantName, username, password string) (*LoginResult, error) {
	u, err := s.CheckPassword(ctx, tenantName, username, password)
	if err != nil {
		return nil, err
	}
	return s.openSession(ctx, u)
}

// openSession opens a web session for a user who proved who they are.
func (s *Service) openSession(ctx context.Context, u *tokenmint.User) (*LoginResult, error) {
	now := s.Now()
	cookie := secret.Opaque(32)
	sess := &tokenmint.Session{
		Hash: s.hasher.Hash(cookie), TenantID: u.TenantID, UserID: u.ID,
		CSRFToken: secret.Opaque(24), CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &LoginResult{Cookie: cookie, Session: sess, User: u}, nil
}

// CheckPassword authenticates a user by password with throttling and
// auditing; the password grant of the OAuth2 server uses it too.
func (s *Service) CheckPassword(ctx context.Context, tenantName, username, password string) (*tokenmint.User, error) {
	if tenantName == "" {
		tenantName = tokenmint.DefaultTenant
	}
	// The tenant's policy sets the throttle; a name that is no tenant gets
	// the default (and can never succeed).
	limit := tokenmint.DefaultLoginFailuresPerMinute
	var t *tokenmint.Tenant
	var err error
	if plainText(tenantName) && plainText(username) {
		t, err = s.store.TenantByName(ctx, tenantName)
	} else {
		// No tenant or user has such a name, and some databases refuse the
		// text outright: it fails like an unknown tenant, throttled alike.
		err = tokenmint.Errorf(tokenmint.ENOTFOUND, "no such tenant")
	}
	if err == nil {
		pol, err := s.tenantPolicy(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		limit = pol.LoginFailuresPerMinute
	} else if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		t = nil
	} else {
		return nil, err
	}
	// The attempt is counted before the password is hashed, so concurrent
	// guesses are cut at the limit, and given back on success (see
	// attemptlimit.go for the keys and their limits). The IP's count spans
	// tenants: naming another tenant must not give a guesser a fresh
	// allowance.
	ip := throttleKey(ClientIPFromContext(ctx))
	tn, un := loginNames(tenantName, username)
	res, err := s.reserveAttempt(ctx,
		limitKey{attemptKey("login ui", tn, un, ip), limit},
		limitKey{attemptKey("login ip", ip), limit},
		limitKey{attemptKey("login u", tn, un), loginUserCeilingFactor * limit},
	)
	if err != nil {
		return nil, err
	}
	fail := func(tenantID, userID, why string) error {
		s.audit(ctx, tenantID, "login", "user", userID, OutcomeFailure, why)
		return tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "invalid username or password")
	}
	if t == nil {
		if _, err := s.verifyPassword(ctx, "", password); err != nil {
			s.release(ctx, res) // not tried: the server was busy
			return nil, err
		}
		return nil, fail("", "", "unknown tenant")
	}
	u, err := s.store.UserByUsername(ctx, t.ID, username)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		if _, err := s.verifyPassword(ctx, "", password); err != nil {
			s.release(ctx, res) // not tried: the server was busy
			return nil, err
		}
		return nil, fail(t.ID, "", "unknown user")
	} else if err != nil {
		return nil, err
	}
	ok, err := s.verifyPassword(ctx, u.PasswordHash, password)
	if err != nil {
		s.release(ctx, res)
		return nil, err
	}
	if !ok {
		return nil, fail(t.ID, u.ID, "wrong password")
	}
	if !u.Enabled {
		return nil, fail(t.ID, u.ID, "user disabled")
	}
	// With single sign-on taking over, only the break-glass administrator
	// keeps a local password. This is checked after the password, so it
	// tells nothing to someone who does not know it.
	pr, err := s.store.SSOProviderByTenant(ctx, t.ID)
	if err != nil && tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		s.release(ctx, res)
		return nil, err
	}
	if err == nil && !pr.LocalLoginAllowed(u.Username) {
		s.release(ctx, res)
		s.audit(ctx, t.ID, "login", "user", u.ID, OutcomeDenied, "local passwords are disabled for the tenant")
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "local passwords are turned off for this tenant: sign in with %s", pr.Name)
	}
	s.release(ctx, res)
	ctx = tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: t.ID, User: u})
	s.audit(ctx, t.ID, "login", "user", u.ID, OutcomeSuccess, "")
	return u, nil
}

// RateLimitError says a caller must wait before trying again: a limit of
// attempts is used up, or every password-check slot is busy.
type RateLimitError struct {
	RetryAfter time.Duration
	// Reason is what the caller is told ("" for used-up attempts).
	Reason string
	// State, for a token over its rate limit, is the limit that refused
	// it (RateLimit-* headers); nil for the other limits.
	State *RateState
}

func (e *RateLimitError) Error() string { return e.Message() }

// Message is the refusal as the caller reads it.
func (e *RateLimitError) Message() string {
	if e.Reason != "" {
		return e.Reason
	}
	return "too many failed attempts; try again later"
}

// Logout ends the session with the given cookie value, at once on every
// instance: the end is announced with the write (ChangeSessions).
func (s *Service) Logout(ctx context.Context, cookie string) error {
	hash := sessionKey(s.hasher.Sum(cookie))
	sess, err := s.sessionByHash(ctx, hash) // whose it is, for the announcement
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	change := Change{Kind: ChangeSessions, TenantID: sess.TenantID, ID: sess.UserID}
	err = s.store.DeleteSession(s.announcing(ctx, change), hash[:])
	s.changed(ctx, change)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil
	}
	return err
}

// SessionPrincipal returns the principal of a session cookie, and the
// session for its CSRF token. The session comes through the cache
// (sessioncache.go), so a busy session costs no read per request.
func (s *Service) SessionPrincipal(ctx context.Context, cookie string) (*tokenmint.Principal, *tokenmint.Session, error) {
	cached, err := s.sessionByHash(ctx, s.hasher.Sum(cookie))
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "session expired; sign in again")
	} else if err != nil {
		return nil, nil, err
	}
	if !s.Now().Before(cached.ExpiresAt) {
		return nil, nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "session expired; sign in again")
	}
	sess := new(tokenmint.Session) // the caller's own copy: the cached one is shared
	*sess = *cached
	// The user and their grants come through the cache (a user change
	// drops both), so a busy session costs one read, the session's.
	key := grantsKeyT{tokenmint.OwnerUser, sess.TenantID, sess.UserID}
	u, _, ok := lookup(s.cache, &s.cache.users, key)
	if !ok {
		gen := s.cache.generation()
		if u, err = s.store.UserByID(ctx, sess.TenantID, sess.UserID); tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "session expired; sign in again")
		} else if err != nil {
			return nil, nil, err
		}
		store(s.cache, gen, &s.cache.users, key, u)
	}
	// The principal gets its own copy: callers may change what they get.
	own := *u
	p, err := s.userPrincipal(ctx, &own)
	return p, sess, err
}

// userPrincipal is the principal of a signed-in user, with the grants the
// cache holds for them.
func (s *Service) userPrincipal(ctx context.Context, u *tokenmint.User) (*tokenmint.Principal, error) {
	if !u.Enabled {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "account disabled")
	}
	g, err := s.grantsFor(ctx, u.TenantID, tokenmint.OwnerUser, u.ID)
	if err != nil {
		return nil, err
	}
	return &tokenmint.Principal{TenantID: u.TenantID, User: u, Permissions: s.tenantPermissions(g)}, nil
}

// TokenPrincipal authenticates a management API call made with a token. It
// runs the same checks as Verify and records usage; spend says whether the
// call spends a use of a limited-use token (a read of one's own metadata
// does not). The principal may do what the token's effective permissions
// allow, tenant-wide only when the token is not bound to a project, and
// never more than the token itself: see tokenmint.CredentialBound.
func (s *Service) TokenPrincipal(ctx context.Context, raw string, spend bool) (*tokenmint.Principal, *VerifyResult, error) {
	res, err := s.Verify(ctx, VerifyRequest{Token: raw, IP: ClientIPFromContext(ctx), NoSpend: !spend})
	if err != nil {
		return nil, nil, err
	}
	bound := &tokenmint.CredentialBound{
		ProjectID: res.Token.ProjectID, Permissions: res.Permissions,
		ExpiresAt: res.ExpiresAt(), AllowedCIDRs: res.Token.AllowedCIDRs, RateLimit: res.TokenRateLimit,
	}
	p := &tokenmint.Principal{TenantID: res.Token.TenantID, Token: res.Token, Permissions: res.Permissions, Credential: bound}
	if bound.ProjectID != "" {
		// Permissions computed in the token's project count the owner's
		// project roles: they must never act tenant-wide.
		p.Permissions = tokenmint.PermissionSet{}
	}
	switch res.Token.OwnerKind {
	case tokenmint.OwnerUser:
		u, err := s.store.UserByID(ctx, res.Token.TenantID, res.Token.OwnerID)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token owner not found")
		} else if err != nil {
			return nil, nil, err // an outage is not a bad credential
		}
		p.User = u
	case tokenmint.OwnerApplication:
		p.ApplicationID = res.Token.OwnerID
	}
	if res.SecretValidUntil != nil {
		// The owner rotated this secret away; until its grace period ends
		// it may verify, but it must not act on the token or mint another.
		s.audit(tokenmint.NewContextWithPrincipal(ctx, p), p.TenantID, "token.retired_secret_use", "token", res.Token.ID, OutcomeDenied, "a rotated-away secret tried a management call")
		return nil, nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "this secret was replaced by rotation: during its grace period it may only be verified")
	}
	return p, res, nil
}

// plainText reports whether s is valid UTF-8 without NUL bytes, as every
// stored name is.
func plainText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// OperatorSetPassword sets a user's password as the installation's
// operator (the `tokenmint user set-password` command on the server's
// database), never throttled: it is the way back in for a user locked out
// by guessers, admin included. It ends the user's sessions and clears the
// user's login counts in the store (shared by the instances on it).
func (s *Service) OperatorSetPassword(ctx context.Context, tenantName, username, password string) (*tokenmint.User, error) {
	if tenantName == "" {
		tenantName = tokenmint.DefaultTenant
	}
	if err := tokenmint.ValidatePassword(password); err != nil {
		return nil, err
	}
	t, err := s.store.TenantByName(ctx, tenantName)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByUsername(ctx, t.ID, username)
	if err != nil {
		return nil, err
	}
	if u.PasswordHash, err = s.cfg.PasswordParams.Hash(password); err != nil {
		return nil, err
	}
	u.UpdatedAt = s.Now()
	change := Change{Kind: ChangeUser, TenantID: u.TenantID, ID: u.ID}
	if err := s.store.UpdateUser(s.announcing(ctx, change), u); err != nil {
		return nil, err
	}
	s.changed(ctx, change)
	if err := s.endUserSessions(ctx, u.TenantID, u.ID); err != nil {
		return nil, err
	}
	tn, un := loginNames(tenantName, u.Username)
	for _, kind := range []string{"login u", "login ui"} {
		if err := s.store.ClearAttempts(ctx, attemptKey(kind, tn, un)); err != nil {
			return nil, err
		}
	}
	s.audit(ctx, t.ID, "user.set_password", "user", u.ID, OutcomeSuccess, "by the operator; login throttle cleared")
	return u, nil
}

// loginNames are the tenant and user names a login is counted under: in
// lower case, since names are unique regardless of case and a guesser must
// not get a fresh allowance per spelling.
func loginNames(tenantName, username string) (string, string) {
	return strings.ToLower(tenantName), strings.ToLower(username)
}
