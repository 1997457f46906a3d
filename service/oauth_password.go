package service

import (
	"context"
	"fmt"
	"strings"

	"tokenmint"
)

// passwordGrant is the resource owner password credentials grant (RFC 6749
// §4.3). acr_values=Tenant:NAME picks the tenant; without it the default
// tenant is meant.
type passwordGrant struct{ s *Service }

func (passwordGrant) grantType() string { return GrantPassword }

// acrTenantPrefix is the one acr_values form tokenmint knows (Checkmarx SCA
// style). It is matched case-insensitively: clients differ in how they
// spell it, and no other acr value could be meant.
const acrTenantPrefix = "Tenant:"

// tenantFromACR returns NAME of an acr_values that is exactly one
// "Tenant:NAME" (the prefix in any case; spaces around it are ignored), ""
// for an absent or empty acr_values (the default tenant), and
// invalid_request for anything else: a value that is not understood must
// never fall back to the default tenant.
func tenantFromACR(acr string) (string, error) {
	acr = strings.TrimSpace(acr)
	if acr == "" {
		return "", nil
	}
	fields := strings.Fields(acr)
	bad := func(why string) error {
		return oauthErr("invalid_request", "acr_values must be a single Tenant:NAME; %s", why)
	}
	if len(fields) != 1 {
		return "", bad(fmt.Sprintf("%d values given", len(fields)))
	}
	v := fields[0]
	if len(v) < len(acrTenantPrefix) || !strings.EqualFold(v[:len(acrTenantPrefix)], acrTenantPrefix) {
		return "", bad("the value does not start with Tenant:")
	}
	name := v[len(acrTenantPrefix):]
	if name == "" {
		return "", bad("the tenant name is empty")
	}
	if !plainText(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", bad("the tenant name has control characters")
	}
	return name, nil
}

// publicClientID is the client_id claim of tokens obtained without client
// authentication. A client_id the caller merely names is not proven, so
// the token does not claim it (RFC 9068 requires the claim, so it names
// this fixed public client); the named ID is kept in the audit entry.
const publicClientID = "tokenmint"

// missingCredentialsErr is the answer to a password grant without a
// username. A FortiCWP-style client sending its single opaque credential
// in Authorization: Basic with grant_type=password is told what to send
// instead.
func missingCredentialsErr(req *TokenRequest) error {
	if req.Basic != nil && req.Form.Get("username") == "" {
		return oauthErr("invalid_request", "grant_type=password needs the username and password form fields; "+
			"the Authorization header carries a client credential: send grant_type=client_credentials to obtain a token for that client")
	}
	return oauthErr("invalid_request", "grant_type=password needs the username and password form fields")
}

func (g passwordGrant) handle(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	s := g.s
	username, password := req.Form.Get("username"), req.Form.Get("password")
	if username == "" || !req.Form.Has("password") {
		return nil, missingCredentialsErr(req)
	}
	tenantName, err := tenantFromACR(req.Form.Get("acr_values"))
	if err != nil {
		return nil, err
	}
	cl, err := s.authenticateClient(ctx, req)
	if err != nil {
		return nil, err
	}
	u, err := s.CheckPassword(ctx, tenantName, username, password)
	if err != nil {
		if tokenmint.ErrorCode(err) == tokenmint.EUNAUTHORIZED {
			return nil, oauthErr("invalid_grant", "invalid username, password or tenant")
		}
		return nil, err
	}
	if cl.app != nil && cl.app.TenantID != u.TenantID {
		// A confidential client of one tenant never obtains tokens of another.
		return nil, oauthErr("invalid_grant", "invalid username, password or tenant")
	}
	grants, err := s.userGrants(ctx, u)
	if err != nil {
		return nil, err
	}
	holds := s.userHoldsAnywhere(grants)
	if len(holds) == 0 {
		tenant, err := s.TenantName(ctx, u.TenantID)
		if err != nil {
			return nil, err
		}
		return nil, oauthErr("invalid_scope", "user %s holds no role in tenant %s and no project membership, so no token can carry any permission", u.Username, tenant)
	}
	scope, err := s.requestedScope(req.Form, holds)
	if err != nil {
		return nil, err
	}
	clientID := cl.claimID()
	res, claims, err := s.issueAccess(ctx, issued{
		tenantID: u.TenantID, subject: u.ID, ownerKind: tokenmint.OwnerUser, clientID: clientID, scope: scope,
	})
	if err != nil {
		return nil, err
	}
	r, plain, err := s.startRefreshFamily(ctx, claims)
	if err != nil {
		return nil, err
	}
	res.RefreshToken = plain
	uctx := tokenmint.NewContextWithPrincipal(ctx, &tokenmint.Principal{TenantID: u.TenantID, User: u})
	s.audit(uctx, u.TenantID, "oauth.token.password", "refresh_family", r.FamilyID, OutcomeSuccess, cl.auditDetail())
	return res, nil
}

// userHoldsAnywhere is what a user holds tenant-wide or on any of their
// projects. A password-grant token carries all of it: verification then
// narrows it to what the user holds where the token is used (project roles
// count only for their project), so a member of projects alone gets a
// token that works on those projects and nowhere else.
func (s *Service) userHoldsAnywhere(g tokenmint.Grants) tokenmint.PermissionSet {
	out := s.tenantPermissions(g)
	for projectID := range g.ProjectRoles {
		for p := range s.types.Universe() {
			if g.Allows(p, projectID) {
				out[p] = struct{}{}
			}
		}
	}
	return out
}
