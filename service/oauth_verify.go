package service

import (
	"context"

	"tokenmint"
)

// JWTTokenType is the type name a verified JWT access token reports where
// an opaque token reports its token type.
const JWTTokenType = "JWTAccessToken"

// verifyJWT is Verify for a JWT access token: a published key's signature,
// expiry, the jti not revoked, the subject still enabled, and the scope —
// narrowed to what the subject holds now — containing the permission.
func (s *Service) verifyJWT(ctx context.Context, req VerifyRequest) (*VerifyResult, error) {
	c, err := s.cfg.Keys.Verify(ctx, req.Token, s.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if err := s.checkTenant(ctx, req.Tenant, c.TenantID); err != nil {
		return nil, err
	}
	revoked, err := s.store.AccessTokenRevoked(ctx, c.JTI)
	if err != nil {
		return nil, err
	}
	if revoked {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token is %s", tokenmint.StatusRevoked)
	}
	if c.SourceTokenID != "" {
		if err := s.checkExchangeSource(ctx, c, req.IP); err != nil {
			return nil, err
		}
	}
	if err := s.checkProjectExists(ctx, c.TenantID, c.ProjectID); err != nil {
		return nil, err
	}
	perms, err := s.jwtPermissions(ctx, c)
	if err != nil {
		return nil, err
	}
	projectID := c.ProjectID
	if req.Project != "" {
		id, err := s.resolveProject(ctx, c.TenantID, req.Project)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND || (err == nil && c.ProjectID != "" && id != c.ProjectID) {
			return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is not valid for project %q", req.Project)
		} else if err != nil {
			return nil, err
		}
		projectID = id
		if c.OwnerKind == tokenmint.OwnerUser {
			// Project roles count for the project asked about.
			if perms, err = s.jwtUserPermissions(ctx, c, id); err != nil {
				return nil, err
			}
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
		s.usage.Record(c.TenantID, c.SourceTokenID, req.IP, s.Now())
	}
	exp := c.ExpiresAt
	tok := &tokenmint.Token{
		ID: c.JTI, TenantID: c.TenantID, OwnerKind: c.OwnerKind, OwnerID: c.Subject, Type: JWTTokenType,
		Name: c.ClientID, ProjectID: c.ProjectID, CreatedAt: c.IssuedAt, ExpiresAt: &exp,
		StoredStatus: tokenmint.StatusActive,
	}
	return &VerifyResult{Token: tok, ProjectID: projectID, Permissions: perms}, nil
}

// checkExchangeSource refuses a JWT from token exchange once the token it
// was exchanged for is revoked, deactivated, expired or gone, and from a
// client IP blocked for that token.
func (s *Service) checkExchangeSource(ctx context.Context, c *tokenmint.AccessClaims, ip string) error {
	src, err := s.store.TokenByID(ctx, c.TenantID, c.SourceTokenID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the token this JWT was exchanged for no longer exists")
	} else if err != nil {
		return err
	}
	// Limited-use tokens are never exchanged (oauth_exchange.go); a JWT
	// obtained from one before that rule ends with its token's last use.
	st := src.Status(s.Now())
	if st != tokenmint.StatusActive {
		return tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the token this JWT was exchanged for is %s", st)
	}
	blocks, err := s.blockPrefixes(ctx, c.TenantID, src.ID)
	if err != nil {
		return err
	}
	if tokenmint.BlockedBy(blocks, ip) {
		s.auditBlocked(ctx, src, ip)
		return tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is blocked for this client IP")
	}
	return nil
}

// jwtPermissions is the token's scope narrowed to what its subject holds
// now; a subject deleted or disabled makes the token invalid.
func (s *Service) jwtPermissions(ctx context.Context, c *tokenmint.AccessClaims) (tokenmint.PermissionSet, error) {
	switch c.OwnerKind {
	case tokenmint.OwnerUser:
		return s.jwtUserPermissions(ctx, c, c.ProjectID)
	case tokenmint.OwnerApplication:
		app, err := s.store.ApplicationByID(ctx, c.TenantID, c.Subject)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token owner not found")
		} else if err != nil {
			return nil, err
		}
		if !app.Enabled {
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "token owner is disabled")
		}
		holds := tokenmint.AccessTypePermissions(s.types.Universe(), app.AccessTypes)
		return tokenmint.NewPermissionSet(c.Scope...).Intersect(holds), nil
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
