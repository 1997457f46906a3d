package service_test

import (
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/service"
)

// Token requests do not keep networks, so a request that would be bound
// is refused rather than collected unbound; a type cannot both need
// approval and require networks.
func TestTokenRequestsRefuseNetworks(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		_, err := e.svc.RequestToken(e.admin, service.RequestTokenInput{
			CreateTokenInput: service.CreateTokenInput{Type: "ProductionDeployToken", Name: "deploy", AllowedCIDRs: []string{"10.0.0.0/8"}},
			Justification:    "the release pipeline deploys to production",
		})
		if tokenmint.ErrorCode(err) != tokenmint.EINVALID || !strings.Contains(tokenmint.ErrorMessage(err), "cannot carry allowed_cidrs") {
			t.Fatalf("a request with networks: %v, want invalid", err)
		}
		if got := e.audit("token_request.create"); len(got) != 0 {
			t.Fatalf("a refused request was recorded: %v", got)
		}
		e.request(e.admin) // without networks it is accepted
	})
	_, err := tokenmint.NewTypeRegistry([]tokenmint.TokenType{{
		Name: "Both", Permissions: []tokenmint.Permission{"api:read"}, DefaultDaysToLive: 1, OwnerKind: tokenmint.OwnerUser,
		Approval: tokenmint.ApprovalRequired, RequireAllowedCIDRs: true,
	}})
	if err == nil || !strings.Contains(err.Error(), "require_allowed_cidrs cannot be combined") {
		t.Fatalf("a type needing approval and networks: %v, want refused", err)
	}
}
