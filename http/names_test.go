package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Application tokens follow Juniper's name rule, [A-Za-z0-9-]{1,32},
// unique among the application's tokens that are not revoked, whatever the
// case; user tokens keep their freer rule.
func TestApplicationTokenNames(t *testing.T) {
	e := newEnv(t)
	appID := e.createApp("uploader", "scan")
	other := e.createApp("other", "scan")
	create := func(app, name string) response {
		return e.admin.do("POST", "/api/v1/applications/"+app+"/tokens", map[string]any{"name": name, "days_to_live": 30})
	}
	expect(t, create(appID, "nightly-scan"), http.StatusCreated, "a valid name")
	for _, bad := range []string{"has space", "unicodé", strings.Repeat("a", 33), "under_score", ""} {
		r := create(appID, bad)
		if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "1-32 characters") {
			t.Errorf("name %q: %d %s, want 400 naming the rule", bad, r.status, r.body)
		}
	}
	for _, dup := range []string{"nightly-scan", "NIGHTLY-SCAN"} {
		r := create(appID, dup)
		if r.status != http.StatusConflict || !strings.Contains(strings.ToLower(r.message(t)), "nightly-scan") {
			t.Errorf("duplicate %q: %d %s, want 409 naming the token", dup, r.status, r.body)
		}
	}
	expect(t, create(other, "nightly-scan"), http.StatusCreated, "the same name under another application")
	// A revoked token frees its name.
	r := e.admin.do("GET", "/api/v1/applications/"+appID+"/tokens", nil)
	id := r.json(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	expect(t, e.admin.do("DELETE", "/api/v1/tokens/"+id, nil), http.StatusNoContent, "revoke")
	expect(t, create(appID, "Nightly-Scan"), http.StatusCreated, "the name of a revoked token")
	// User tokens keep spaces and letters of any script.
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "Déploiement nocturne"})
}

// Application names are unique in a tenant whatever their case, and found
// by name whatever its case.
func TestApplicationNamesUniqueIgnoringCase(t *testing.T) {
	e := newEnv(t)
	id := e.createApp("forti-cwp", "read-only")
	r := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "FORTI-CWP", "access_types": []string{"read-only"}})
	if r.status != http.StatusConflict {
		t.Fatalf("FORTI-CWP beside forti-cwp: %d %s, want 409", r.status, r.body)
	}
	other := e.createApp("fortinet", "read-only")
	expect(t, e.admin.do("PATCH", "/api/v1/applications/"+other, map[string]any{"name": "Forti-CWP"}), http.StatusConflict, "rename onto another's name in other case")
	expect(t, e.admin.do("PATCH", "/api/v1/applications/"+id, map[string]any{"name": "FORTI-CWP"}), http.StatusOK, "change the case of its own name")
	if r := e.admin.do("GET", "/api/v1/applications/forti-cwp", nil); r.status != http.StatusOK || r.json(t)["id"] != id {
		t.Errorf("get by name in other case: %d %s", r.status, r.body)
	}
}

// An application with no access types could do nothing: it is refused at
// creation and update, with a message that says what to give.
func TestApplicationNeedsAnAccessType(t *testing.T) {
	e := newEnv(t)
	for _, body := range []map[string]any{
		{"name": "idle"},
		{"name": "idle", "access_types": []string{}},
	} {
		r := e.admin.do("POST", "/api/v1/applications", body)
		if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "access type") {
			t.Errorf("create %v: %d %s, want 400 about access types", body, r.status, r.body)
		}
	}
	id := e.createApp("busy", "read-only")
	r := e.admin.do("PATCH", "/api/v1/applications/"+id, map[string]any{"access_types": []string{}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "access type") {
		t.Errorf("patch to none: %d %s, want 400 about access types", r.status, r.body)
	}
}

// Names refuse bidi overrides, zero-width and control characters
// everywhere a name is taken, and keep ordinary letters where the rule
// allows them.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	e := newEnv(t)
	appID := e.createApp("uploader", "scan")
	const spoof = "\u202eevil\u200b"
	for _, c := range []struct {
		what, path string
		body       map[string]any
	}{
		{"token", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": spoof}},
		{"token with a zero-width joiner", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "ci\u200dtoken"}},
		{"application token", "/api/v1/applications/" + appID + "/tokens", map[string]any{"name": spoof}},
		{"application", "/api/v1/applications", map[string]any{"name": spoof, "access_types": []string{"scan"}}},
		{"project", "/api/v1/projects", map[string]any{"name": spoof}},
		{"user", "/api/v1/users", map[string]any{"username": spoof, "password": "long-enough"}},
	} {
		tokens, audit := e.counts()
		r := e.admin.do("POST", c.path, c.body)
		if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
			t.Errorf("%s named %q: %d %s, want 400", c.what, c.body, r.status, r.body)
		}
		if t2, a2 := e.counts(); t2 != tokens || a2 != audit {
			t.Errorf("%s: a refused name changed something", c.what)
		}
	}
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "日本語のトークン"})
}

// In the UI, an application without access types is refused next to the
// access types, and an application token's name field states its rule.
func TestUIApplicationRulesShowWhereTheyApply(t *testing.T) {
	e := newEnv(t)
	r := uiDo(t, e.admin, "POST", "/ui/admin/applications", url.Values{"csrf_token": {e.admin.csrf}, "name": {"idle"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="access_types-error"`) {
		t.Errorf("application without access types: %d %.3000s", r.status, r.body)
	}
	appID := e.createApp("uploader", "scan")
	page := uiDo(t, e.admin, "GET", "/ui/admin/applications/"+appID, nil)
	if !strings.Contains(page.body, `maxlength="32"`) || !strings.Contains(page.body, "1–32 letters, digits and '-'") {
		t.Errorf("the token name field does not state its rule: %.4000s", page.body)
	}
	r = uiDo(t, e.admin, "POST", "/ui/admin/applications/"+appID+"/tokens", url.Values{"csrf_token": {e.admin.csrf}, "token_name": {"has space"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="token_name-error"`) {
		t.Errorf("token with a bad name: %d %.3000s", r.status, r.body)
	}
}
