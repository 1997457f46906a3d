package service_test

import (
	"context"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/typesfile"
)

// A request keeps the networks and the rate limit asked for, shows them to
// the administrator deciding, and the collected token has both.
func TestTokenRequestKeepsNetworksAndRateLimit(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		admin2 := e.user("ada", tokenmint.RoleAdmin)
		ask := func(cidrs []string, l tokenmint.RateLimit) (*tokenmint.TokenRequest, error) {
			return e.svc.RequestToken(member, service.RequestTokenInput{
				CreateTokenInput: service.CreateTokenInput{Type: "ProductionDeployToken", Name: "deploy", AllowedCIDRs: cidrs, RateLimit: l},
				Justification:    "the release pipeline deploys to production",
			})
		}
		// Refused like a creation, and nothing is stored.
		_, err := ask([]string{"10.0.0.0/33"}, tokenmint.RateLimit{})
		wantCode(t, err, tokenmint.EINVALID, "a request with a bad CIDR")
		_, err = ask([]string{""}, tokenmint.RateLimit{})
		wantCode(t, err, tokenmint.EINVALID, "a request with an empty network")
		_, err = ask(nil, tokenmint.RateLimit{Requests: 0, PerSeconds: 60})
		wantCode(t, err, tokenmint.EINVALID, "a request with a bad rate limit")
		if list, _, err := e.svc.ListTokenRequests(e.admin, service.ListTokenRequestsInput{All: true}); err != nil || len(list) != 0 {
			t.Fatalf("after refusals: %d requests stored (%v), want none", len(list), err)
		}
		if got := e.audit("token_request.create"); len(got) != 0 {
			t.Fatalf("refused requests were audited as created: %v", got)
		}

		limit := tokenmint.RateLimit{Requests: 5, PerSeconds: 60}
		r, err := ask([]string{"192.0.2.7", "10.0.0.0/8"}, limit)
		if err != nil {
			t.Fatal(err)
		}
		const nets = "10.0.0.0/8,192.0.2.7/32"
		if r.AllowedCIDRs.String() != nets || r.RateLimit != limit {
			t.Fatalf("request keeps %q and %v, want %q and %v", r.AllowedCIDRs.String(), r.RateLimit, nets, limit)
		}
		// The deciding administrator sees them, read back from the store.
		seen, err := e.svc.GetTokenRequest(admin2, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if seen.AllowedCIDRs.String() != nets || seen.RateLimit != limit {
			t.Fatalf("administrator sees %q and %v, want %q and %v", seen.AllowedCIDRs.String(), seen.RateLimit, nets, limit)
		}
		if _, err := e.svc.ApproveTokenRequest(admin2, r.ID); err != nil {
			t.Fatal(err)
		}
		issued, _, err := e.svc.CollectTokenRequest(member, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := e.svc.GetToken(member, issued.Token.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.AllowedCIDRs.String() != nets {
			t.Fatalf("collected token is bound to %q, want %q", stored.AllowedCIDRs.String(), nets)
		}
		info, err := e.svc.TokenRateLimits(member, stored)
		if err != nil {
			t.Fatal(err)
		}
		if info.Own == nil || *info.Own != limit {
			t.Fatalf("collected token's own rate limit = %v, want %v", info.Own, limit)
		}
		// And the binding holds when the token is used.
		outside := service.ContextWithClientIP(context.Background(), "203.0.113.9")
		if _, _, err := e.svc.TokenPrincipal(outside, issued.Plain, true); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
			t.Fatalf("collected token used from outside its networks: %v, want forbidden", err)
		}
		inside := service.ContextWithClientIP(context.Background(), "10.2.3.4")
		if _, _, err := e.svc.TokenPrincipal(inside, issued.Plain, true); err != nil {
			t.Fatalf("collected token used from inside its networks: %v", err)
		}
	})
}

// A bound, rate-limited token may ask for a token only within its own
// networks and no looser than its own limit; asking for no networks binds
// the request to the presenter's.
func TestBoundPresenterTokenRequest(t *testing.T) {
	forEachStoreWith(t, requestNetworkTypes(t), func(t *testing.T, e *requestEnv) {
		own := tokenmint.RateLimit{Requests: 10, PerSeconds: 60}
		presenter, err := e.svc.CreateToken(e.admin, service.CreateTokenInput{Type: "MakerToken", Name: "presenter", AllowedCIDRs: []string{"10.0.0.0/8"}, RateLimit: own})
		if err != nil {
			t.Fatal(err)
		}
		pctx := service.ContextWithClientIP(context.Background(), "10.1.2.3")
		p, _, err := e.svc.TokenPrincipal(pctx, presenter.Plain, true)
		if err != nil {
			t.Fatal(err)
		}
		pctx = tokenmint.NewContextWithPrincipal(pctx, p)
		ask := func(cidrs []string, l tokenmint.RateLimit) (*tokenmint.TokenRequest, error) {
			return e.svc.RequestToken(pctx, service.RequestTokenInput{
				CreateTokenInput: service.CreateTokenInput{Type: "DeployToken", Name: "deploy", AllowedCIDRs: cidrs, RateLimit: l},
				Justification:    "the pipeline needs a production token",
			})
		}
		_, err = ask([]string{"10.0.0.0/8", "192.0.2.0/24"}, own)
		wantCode(t, err, tokenmint.EFORBIDDEN, "a broader network than the presenter's")
		wantMessage(t, err, "must be bound within those networks")
		_, err = ask([]string{"10.9.0.0/16"}, tokenmint.RateLimit{Requests: 100, PerSeconds: 60})
		wantCode(t, err, tokenmint.EFORBIDDEN, "a looser rate limit than the presenter's")
		wantMessage(t, err, "looser rate limit")
		_, err = ask([]string{"10.9.0.0/16"}, tokenmint.RateLimit{})
		wantCode(t, err, tokenmint.EFORBIDDEN, "no rate limit (unlimited) under a limited presenter")
		wantMessage(t, err, "looser rate limit")
		if list, _, err := e.svc.ListTokenRequests(e.admin, service.ListTokenRequestsInput{All: true}); err != nil || len(list) != 0 {
			t.Fatalf("after refusals: %d requests stored (%v), want none", len(list), err)
		}
		narrow, err := ask([]string{"10.9.0.0/16"}, tokenmint.RateLimit{Requests: 1, PerSeconds: 60})
		if err != nil {
			t.Fatalf("a narrower request: %v", err)
		}
		if narrow.AllowedCIDRs.String() != "10.9.0.0/16" {
			t.Fatalf("narrower request bound to %q", narrow.AllowedCIDRs.String())
		}
		inherited, err := ask(nil, own)
		if err != nil {
			t.Fatalf("a request naming no networks: %v", err)
		}
		if inherited.AllowedCIDRs.String() != "10.0.0.0/8" {
			t.Fatalf("a request naming no networks is bound to %q, want the presenter's 10.0.0.0/8", inherited.AllowedCIDRs.String())
		}
	})
}

// requestNetworkTypes is a types file with a type that may ask for
// tokens (tokens:write), one that needs approval, and one that needs both
// approval and networks, which a types file now accepts.
func requestNetworkTypes(t *testing.T) *tokenmint.TypeRegistry {
	t.Helper()
	reg, err := typesfile.Parse("types.yaml", []byte(`types:
  - name: MakerToken
    description: asks for tokens
    permissions: [api:read, api:write, tokens:read, tokens:write]
    default_days_to_live: 30
  - name: DeployToken
    description: approved
    permissions: [api:read, api:write]
    default_days_to_live: 30
    approval: required
  - name: BoundDeployToken
    description: approved and bound
    permissions: [api:read]
    default_days_to_live: 30
    approval: required
    require_allowed_cidrs: true
`))
	if err != nil {
		t.Fatalf("a types file with a type needing approval and networks: %v, want accepted", err)
	}
	return reg
}

// A type may both need approval and require networks: its requests must
// name networks, and the collected token is bound to them.
func TestApprovalTypeRequiringNetworks(t *testing.T) {
	forEachStoreWith(t, requestNetworkTypes(t), func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		admin2 := e.user("ada", tokenmint.RoleAdmin)
		ask := func(cidrs []string) (*tokenmint.TokenRequest, error) {
			return e.svc.RequestToken(member, service.RequestTokenInput{
				CreateTokenInput: service.CreateTokenInput{Type: "BoundDeployToken", Name: "bound", AllowedCIDRs: cidrs},
				Justification:    "deploys from the build network",
			})
		}
		_, err := ask(nil)
		wantCode(t, err, tokenmint.EINVALID, "a request naming no networks for a type requiring them")
		if !strings.Contains(tokenmint.ErrorMessage(err), "requires allowed_cidrs") {
			t.Fatalf("refusal %q does not say the type requires networks", tokenmint.ErrorMessage(err))
		}
		r, err := ask([]string{"198.51.100.0/24"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApproveTokenRequest(admin2, r.ID); err != nil {
			t.Fatal(err)
		}
		issued, _, err := e.svc.CollectTokenRequest(member, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := issued.Token.AllowedCIDRs.String(); got != "198.51.100.0/24" {
			t.Fatalf("collected token bound to %q, want 198.51.100.0/24", got)
		}
	})
}

// wantMessage fails unless err's message holds part, so a refusal is known
// to be the one meant and not another.
func wantMessage(t *testing.T, err error, part string) {
	t.Helper()
	if !strings.Contains(tokenmint.ErrorMessage(err), part) {
		t.Fatalf("error %q does not say %q", tokenmint.ErrorMessage(err), part)
	}
}
