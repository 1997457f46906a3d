package service

import (
	"context"
	"errors"

	"tokenmint"
)

// refreshGrant exchanges a refresh token for a new access token and a new
// refresh token (rotation). Presenting a spent refresh token again means it
// was stolen or replayed: the whole family is revoked, with the access
// tokens issued alongside, and the event is audited.
type refreshGrant struct{ s *Service }

func (refreshGrant) grantType() string { return GrantRefreshToken }

var errBadRefresh = &OAuthError{Code: "invalid_grant", Description: "refresh token is invalid, expired or revoked"}

func (g refreshGrant) handle(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s := g.s
	raw := req.Form.Get("refresh_token")
	if raw == "" {
		return nil, oauthErr("invalid_request", "refresh_token is required")
	}
	cl, err := s.authenticateClient(ctx, req)
	if err != nil {
		return nil, err
	}
	plain, kind, err := tokenmint.ParseToken(raw)
	if err != nil || kind != tokenmint.KindRefresh {
		return nil, errBadRefresh
	}
	old, err := s.store.RefreshTokenByHash(ctx, s.hasher.Hash(plain))
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, errBadRefresh
	} else if err != nil {
		return nil, err
	}
	if cl.app != nil && (cl.id != old.ClientID || cl.app.TenantID != old.TenantID) {
		return nil, errBadRefresh
	}
	app, err := s.refreshApplication(ctx, old)
	if err != nil {
		return nil, err
	}
	if cl.app == nil && app == nil && old.ClientID != "" && old.ClientID != publicClientID {
		// A user's refresh token issued to a confidential client is
		// useless without that client's secret (RFC 6749 §6), and for
		// good once its application is deleted.
		if isRegisteredClientID(old.ClientID) {
			return nil, oauthErr("invalid_client", "client authentication is required for this refresh token")
		}
		if _, err := s.store.ClientCredentialByClientID(ctx, old.ClientID); err == nil {
			return nil, oauthErr("invalid_client", "client authentication is required for this refresh token")
		} else if tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			return nil, err
		}
	}
	now := s.Now()
	if old.UsedAt != nil && old.RevokedAt == nil {
		return nil, s.refreshReused(ctx, old)
	}
	if !old.Active(now) {
		return nil, errBadRefresh
	}
	// The new tokens carry at most the original scope, and only what the
	// subject still holds now.
	var in issued
	var holds tokenmint.PermissionSet
	var who *tokenmint.Principal
	if app != nil {
		holds = tokenmint.AccessTypePermissions(s.types.Universe(), app.AccessTypes)
		in = issued{tenantID: app.TenantID, subject: app.ID, ownerKind: tokenmint.OwnerApplication, clientID: old.ClientID}
		who = &tokenmint.Principal{TenantID: app.TenantID, ApplicationID: app.ID}
	} else {
		u, err := s.store.UserByID(ctx, old.TenantID, old.UserID)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, errBadRefresh
		} else if err != nil {
			return nil, err
		}
		if !u.Enabled {
			return nil, oauthErr("invalid_grant", "the user is disabled")
		}
		grants, err := s.userGrants(ctx, u)
		if err != nil {
			return nil, err
		}
		holds = s.userHoldsAnywhere(grants)
		in = issued{tenantID: old.TenantID, subject: old.UserID, ownerKind: tokenmint.OwnerUser, clientID: cl.claimID()}
		who = &tokenmint.Principal{TenantID: u.TenantID, User: u}
	}
	scope, err := s.requestedScope(req.Form, tokenmint.NewPermissionSet(old.Scope...).Intersect(holds))
	if err != nil {
		return nil, err
	}
	in.scope = scope
	res, claims, err := s.issueAccess(ctx, in)
	if err != nil {
		return nil, err
	}
	next, nextPlain, err := s.newRefresh(ctx, old.FamilyID, claims)
	if err != nil {
		return nil, err
	}
	// A narrower request now does not shrink later refreshes. The new token
	// lives refresh_token_ttl from now (newRefresh): a client in use keeps
	// its session, one left unused for that long loses it.
	next.Scope = old.Scope
	if err := s.store.RotateRefreshToken(ctx, old.ID, now, next, s.hasher.Hash(nextPlain)); err != nil {
		if tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
			// Spent by a concurrent request: the same token presented twice.
			return nil, s.refreshReused(ctx, old)
		}
		return nil, err
	}
	res.RefreshToken = nextPlain
	wctx := tokenmint.NewContextWithPrincipal(ctx, who)
	s.audit(wctx, old.TenantID, "oauth.token.refresh", "refresh_family", old.FamilyID, OutcomeSuccess, "client "+claims.ClientID)
	return res, nil
}

// refreshApplication returns the application a refresh token belongs to,
// or nil for a user's refresh token. Applications get refresh tokens only
// from client_credentials on the FortiCWP compatibility path; such a token
// names the application as its subject and the client ID of the credential
// that obtained it as its client. It dies with that credential and is
// refused while the application is disabled.
func (s *Service) refreshApplication(ctx context.Context, r *tokenmint.RefreshToken) (*tokenmint.Application, error) {
	if !isRegisteredClientID(r.ClientID) {
		return nil, nil
	}
	cred, err := s.store.ClientCredentialByClientID(ctx, r.ClientID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, nil // the client is gone: the caller refuses the token
	} else if err != nil {
		return nil, err
	}
	if cred.ApplicationID != r.UserID || cred.TenantID != r.TenantID {
		return nil, nil // a user's token, issued to this client
	}
	if cred.RevokedAt != nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the client credential this refresh token was issued to is revoked")
	}
	app, err := s.store.ApplicationByID(ctx, cred.TenantID, cred.ApplicationID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the application of this refresh token no longer exists")
	} else if err != nil {
		return nil, err
	}
	if !app.Enabled {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the application is disabled")
	}
	return app, nil
}

// refreshReused revokes the family of a replayed refresh token and the
// access tokens issued with it, and audits the event.
func (s *Service) refreshReused(ctx context.Context, r *tokenmint.RefreshToken) error {
	if err := s.revokeFamily(ctx, r.FamilyID); err != nil {
		return err
	}
	s.audit(ctx, r.TenantID, "oauth.refresh.reuse", "refresh_family", r.FamilyID, OutcomeDenied,
		"a spent refresh token was presented again; the family is revoked")
	return errBadRefresh
}

// revokeFamily revokes every refresh token of a family and the access
// tokens issued with them that have not expired yet.
func (s *Service) revokeFamily(ctx context.Context, familyID string) error {
	now := s.Now()
	fam, err := s.store.RevokeRefreshFamily(ctx, familyID, now)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range fam {
		if r.AccessJTI == "" || !now.Before(r.AccessExpiresAt) {
			continue
		}
		errs = append(errs, s.revokeAccessToken(ctx, &tokenmint.RevokedAccessToken{
			JTI: r.AccessJTI, TenantID: r.TenantID, ExpiresAt: r.AccessExpiresAt, RevokedAt: now,
		}))
	}
	return errors.Join(errs...)
}
