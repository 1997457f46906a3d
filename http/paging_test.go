package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// A cursor that is not the next_cursor of a previous page is a 400 on
// every paginated list, in the API and the UI, never the first page again.
func TestBadCursorIsRefusedOnEveryList(t *testing.T) {
	e := newEnv(t)
	_, _, tokID := e.admin.createToken(map[string]any{"type": "CIToken", "name": "one"})
	prj := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "prj"}).json(t)["id"].(string)
	app := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "app", "access_types": []string{"read-only"}}).json(t)["id"].(string)
	paths := append([]string{
		"/api/v1/tokens",
		"/api/v1/tokens?all=true",
		"/api/v1/tokens?owner=admin",
		"/api/v1/audit",
		"/api/v1/deliveries",
	}, pagedLists(tokID, prj, app)...)
	for _, p := range paths {
		for _, bad := range []string{"garbage", "-1", "0", "1e3", "01a2415d-8a0e-7919-9d4c-e42f0cb89e4"} {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			r := e.admin.do("GET", p+sep+"cursor="+bad, nil)
			if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "cursor") {
				t.Errorf("GET %s with cursor %q: %d %s, want 400 about the cursor", p, bad, r.status, r.body)
			}
		}
	}
	for _, p := range []string{"/ui/tokens", "/ui/admin/tokens", "/ui/admin/audit", "/ui/admin/deliveries"} {
		if r := e.admin.do("GET", p+"?cursor=garbage", nil); r.status != http.StatusBadRequest {
			t.Errorf("GET %s?cursor=garbage: %d, want 400", p, r.status)
		}
	}
	// A real cursor still pages.
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "two"})
	first := e.admin.do("GET", "/api/v1/tokens?limit=1", nil).json(t)
	next, _ := first["next_cursor"].(string)
	if r := e.admin.do("GET", "/api/v1/tokens?limit=1&cursor="+next, nil); next == "" || r.status != http.StatusOK || len(r.json(t)["items"].([]any)) != 1 {
		t.Errorf("paging with next_cursor %q: %d %s", next, r.status, r.body)
	}
}

// A list's query parameters take one value each: one given twice is 400
// (it names the parameter), never the first value read alone.
func TestRepeatedQueryParameterIsRefusedOnEveryList(t *testing.T) {
	e := newEnv(t)
	_, _, tokID := e.admin.createToken(map[string]any{"type": "CIToken", "name": "one"})
	prj := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "prj"}).json(t)["id"].(string)
	app := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "app", "access_types": []string{"read-only"}}).json(t)["id"].(string)
	paths := append([]string{"/api/v1/tokens", "/api/v1/audit", "/api/v1/deliveries", "/api/v1/token-requests"}, pagedLists(tokID, prj, app)...)
	for _, p := range paths {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		if r := e.admin.do("GET", p+sep+"limit=1&limit=2", nil); r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "limit") {
			t.Errorf("GET %s with limit twice: %d %s, want 400 naming limit", p, r.status, r.body)
		}
	}
	for _, q := range []string{"status=active&status=revoked", "expires_on=2027-01-01&expires_on=2027-02-01"} {
		if r := e.admin.do("GET", "/api/v1/tokens?"+q, nil); r.status != http.StatusBadRequest {
			t.Errorf("GET /api/v1/tokens?%s: %d %s, want 400", q, r.status, r.body)
		}
	}
	if r := e.admin.do("GET", "/api/v1/token-requests?status=pending&status=approved", nil); r.status != http.StatusBadRequest {
		t.Errorf("token requests with status twice: %d %s, want 400", r.status, r.body)
	}
}
