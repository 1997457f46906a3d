package service

import (
	"context"
	"crypto/sha256"
	"time"

	"tokenmint"
	"tokenmint/oauth"
)

// JWTTokenType is the type name a verified JWT access token reports where
// an opaque token reports its token type.
const JWTTokenType = "JWTAccessToken"

// verifyJWT is Verify for a JWT access token: a published key's signature,
// expiry, the jti not revoked, the subject still enabled, and the scope —
// narrowed to what the subject holds now — containing the permission.
// It sets *tenantID as verify does.
func (s *Service) verifyJWT(ctx context.Context, req VerifyRequest, tenantID *string) (*VerifyResult, error) {
	key := sha256.Sum256([]byte(req.Token))
	e, cached := s.cache.jwt(&key)
	now := s.Now()
	gen := s.cache.generation()
	if !cached {
		c, err := s.cfg.Keys.Verify(ctx, req.Token, s.cfg.Issuer)
		if err != nil {
			return nil, err
		}
		revoked, err := s.store.AccessTokenRevoked(ctx, c.JTI)
		if err != nil {
			return nil, err
		}
		if revoked {
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token is %s", tokenmint.StatusRevoked)
		}
		e = jwtEntry{claims: c}
	} else if !now.Before(e.claims.ExpiresAt) {
		return nil, oauth.ErrExpired
	} else if ok, err := s.cfg.Keys.Published(ctx, e.claims.KeyID); err != nil {
		return nil, err
	} else if !ok {
		// Its key's publication ended: Verify would refuse it now.
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "invalid access token")
	}
	c := e.claims
	if err := s.checkTenant(ctx, req.Tenant, c.TenantID); err != nil {
		return nil, err
	}
	*tenantID = c.TenantID
	var srcNets tokenmint.CIDRList
	if c.SourceTokenID != "" {
		var err error
		if srcNets, err = s.checkExchangeSource(ctx, c, req.IP); err != nil {
			return nil, err
		}
	}
	if err := s.checkProjectExists(ctx, c.TenantID, c.ProjectID); err != nil {
		return nil, err
	}
	var perms tokenmint.PermissionSet
	var sorted []tokenmint.Permission
	projectID := c.ProjectID
	if req.Project == "" {
		// The permissions for no particular project are memoised in the
		// entry while the owner's cached grants stay the same.
		_, grantsFilled, err := s.grantsFilled(ctx, c.TenantID, c.OwnerKind, c.Subject)
		if err != nil {
			return nil, err
		}
		if !e.hasPerms || e.grantsFilled != grantsFilled {
			if e.perms, err = s.jwtPermissions(ctx, c); err != nil {
				return nil, err
			}
			e.sorted, e.grantsFilled, e.hasPerms = e.perms.Sorted(), grantsFilled, true
			if !cached || grantsFilled != 0 {
				s.cache.putJWT(gen, &key, e)
			}
		}
		perms, sorted = e.perms, e.sorted
	} else {
		if !cached {
			s.cache.putJWT(gen, &key, e)
		}
		id, err := s.resolveProject(ctx, c.TenantID, req.Project)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND || (err == nil && c.ProjectID != "" && id != c.ProjectID) {
			return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is not valid for project %q", req.Project)
		} else if err != nil {
			return nil, err
		}
		projectID = id
		if c.OwnerKind == tokenmint.OwnerUser {
			// Project roles count for the project asked about.
			perms, err = s.jwtUserPermissions(ctx, c, id)
		} else {
			perms, err = s.jwtPermissions(ctx, c)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(perms) == 0 {
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token owner no longer holds any permission of its scope")
	}
	if err := req.checkPermissions(perms); err != nil {
		return nil, err
	}
	if c.SourceTokenID != "" && !req.Inspect {
		// A JWT from token exchange is a use of the token it came from.
		s.usage.Record(c.TenantID, c.SourceTokenID, req.IP, now)
	}
	res := &VerifyResult{ProjectID: projectID, Permissions: perms, sorted: sorted, exp: c.ExpiresAt, Claims: c}
	res.tok = tokenmint.Token{
		ID: c.JTI, TenantID: c.TenantID, OwnerKind: c.OwnerKind, OwnerID: c.Subject, Type: JWTTokenType,
		Name: c.ClientID, ProjectID: c.ProjectID, CreatedAt: c.IssuedAt, ExpiresAt: &res.exp,
		StoredStatus: tokenmint.StatusActive, AllowedCIDRs: srcNets,
	}
	res.Token = &res.tok
	return res, nil
}

// checkExchangeSource refuses a JWT from token exchange once the token it
// was exchanged for is revoked, deactivated, expired or gone, and from a
// client IP blocked for that token or outside its allowed networks. It
// returns those networks, which bind what the JWT may mint. The source is cached by ID like a
// token by its secret, and dropped by the same token changes.
func (s *Service) checkExchangeSource(ctx context.Context, c *tokenmint.AccessClaims, ip string) (tokenmint.CIDRList, error) {
	src, ok := s.cache.source(c.SourceTokenID)
	if !ok {
		gen := s.cache.generation()
		tok, err := s.store.TokenByID(ctx, c.TenantID, c.SourceTokenID)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the token this JWT was exchanged for no longer exists")
		} else if err != nil {
			return nil, err
		}
		blocks, err := s.blockPrefixes(ctx, c.TenantID, tok.ID)
		if err != nil {
			return nil, err
		}
		if src, ok = newCachedToken(tok, nil, blocks); !ok {
			return nil, tokenmint.Errorf(tokenmint.EINTERNAL, "token %s has an owner kind or state this server does not know", tok.ID)
		}
		s.cache.putSource(gen, src)
	}
	var tok tokenmint.Token
	var exp time.Time
	var id [36]byte
	src.token(&tok, &exp, &id)
	// Limited-use tokens are never exchanged (oauth_exchange.go); a JWT
	// obtained from one before that rule ends with its token's last use.
	st := tok.Status(s.Now())
	if st != tokenmint.StatusActive {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the token this JWT was exchanged for is %s", st)
	}
	if tokenmint.BlockedBy(src.blockList(), ip) {
		s.auditBlocked(ctx, &tok, ip)
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is blocked for this client IP")
	}
	// The JWT answers for the networks of its token when the server
	// verifies it; offline verification cannot (docs/bound-networks.md).
	return tok.AllowedCIDRs, s.checkNetwork(ctx, &tok, ip)
}

// jwtPermissions is the token's scope narrowed to what its subject holds
// now; a subject deleted or disabled makes the token invalid.
func (s *Service) jwtPermissions(ctx context.Context, c *tokenmint.AccessClaims) (tokenmint.PermissionSet, error) {
	switch c.OwnerKind {
	case tokenmint.OwnerUser:
		return s.jwtUserPermissions(ctx, c, c.ProjectID)
	case tokenmint.OwnerApplication:
		// The application's state and access types, through the cache
		// (grantsFor); a deleted application holds nothing, like a
		// disabled one.
		g, err := s.grantsFor(ctx, c.TenantID, tokenmint.OwnerApplication, c.Subject)
		if err != nil {
			return nil, err
		}
		if !g.Enabled {
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token owner is disabled or gone")
		}
		return tokenmint.NewPermissionSet(c.Scope...).Intersect(g.Fixed), nil
	}
	return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "invalid access token")
}

func (s *Service) jwtUserPermissions(ctx context.Context, c *tokenmint.AccessClaims, projectID string) (tokenmint.PermissionSet, error) {
	g, err := s.grantsFor(ctx, c.TenantID, tokenmint.OwnerUser, c.Subject)
	if err != nil {
		return nil, err
	}
	if !g.Enabled {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token owner is disabled")
	}
	out := tokenmint.PermissionSet{}
	for _, p := range c.Scope {
		if g.Allows(p, projectID) {
			out[p] = struct{}{}
		}
	}
	return out, nil
}
