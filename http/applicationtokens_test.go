package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// Application tokens (tma_…) do what the application's access types allow,
// and follow changes to the application at once.
func TestApplicationTokens(t *testing.T) {
	e := newOAuthEnv(t)
	appID := e.createApp("uploader", "scan")
	r := e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "ci", "description": "nightly uploads", "days_to_live": 30})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.json(t)
	tok, _ := m["token"].(string)
	if !strings.HasPrefix(tok, "tma_") || m["type"] != "ApplicationToken" || m["owner_kind"] != "application" {
		t.Fatalf("issued: %s", r.body)
	}
	id := m["id"].(string)
	bearer := "Bearer " + tok
	expect(t, e.verify(bearer, "?permission=results:upload"), http.StatusOK, "scan access type allows results:upload")
	expect(t, e.verify(bearer, "?permission=users:manage"), http.StatusForbidden, "scan access type lacks users:manage")

	if r := e.admin.do("GET", "/api/v1/applications/"+appID+"/tokens", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), id) {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	// Narrowing the application narrows its tokens at once.
	expect(t, e.admin.do("PATCH", "/api/v1/applications/"+appID, map[string]any{"access_types": []string{"read-only"}}), http.StatusOK, "narrow")
	expect(t, e.verify(bearer, "?permission=results:upload"), http.StatusForbidden, "after narrowing to read-only")
	expect(t, e.verify(bearer, "?permission=results:download"), http.StatusOK, "read-only allows results:download")
	// Disabling it stops them.
	expect(t, e.admin.do("PATCH", "/api/v1/applications/"+appID, map[string]any{"enabled": false}), http.StatusOK, "disable")
	expect(t, e.verify(bearer, "?permission=results:download"), http.StatusUnauthorized, "disabled application")
	expect(t, e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "more"}), http.StatusBadRequest, "token for a disabled application")
	expect(t, e.admin.do("PATCH", "/api/v1/applications/"+appID, map[string]any{"enabled": true}), http.StatusOK, "enable")
	expect(t, e.verify(bearer, "?permission=results:download"), http.StatusOK, "re-enabled application")
	// The tenant's administrators answer for its applications: they see an
	// application token's description and usage (unlike another user's).
	if err := e.svc.Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := e.admin.do("GET", "/api/v1/tokens/"+id+"/usage", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), `"count":3`) {
		t.Errorf("admin reads the application token's usage: %d %s, want the 3 accepted verifications", r.status, r.body)
	}
	if m := e.admin.do("GET", "/api/v1/tokens/"+id, nil).json(t); m["description"] != "nightly uploads" || m["uses"] == nil {
		t.Errorf("admin's view of an application token = %v, want its description and uses", m)
	}
	// An administrator revokes it like any token.
	expect(t, e.admin.do("DELETE", "/api/v1/tokens/"+id, nil), http.StatusNoContent, "revoke")
	expect(t, e.verify(bearer, "?permission=results:download"), http.StatusUnauthorized, "revoked")

	// Bad requests change nothing.
	expect(t, e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "u", "type": "CIToken"}), http.StatusBadRequest, "user type for an application")
	expect(t, e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "x", "days_to_live": 4000}), http.StatusBadRequest, "beyond the type's max")
	expect(t, e.admin.do("POST", "/api/v1/applications/nope/tokens", map[string]any{"name": "x"}), http.StatusNotFound, "unknown application")
	if r := e.admin.do("GET", "/api/v1/applications/"+appID+"/tokens", nil); strings.Count(string(r.body), `"id"`) != 1 {
		t.Errorf("refused requests created tokens: %s", r.body)
	}
	// A member may not create application tokens.
	member, _ := e.createUser("mia", "member")
	expect(t, member.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "m"}), http.StatusForbidden, "member")
}
