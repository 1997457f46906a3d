package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// createApp creates an application as admin and returns its ID.
func (e *env) createApp(name string, accessTypes ...string) string {
	e.t.Helper()
	if accessTypes == nil {
		accessTypes = []string{}
	}
	r := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": name, "description": "app " + name, "access_types": accessTypes})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create application %s: %d %s", name, r.status, r.body)
	}
	return r.json(e.t)["id"].(string)
}

// createCredential issues a client credential for an application.
func (e *env) createCredential(appID string) (id, clientID, clientSecret, credential string) {
	e.t.Helper()
	r := e.admin.do("POST", "/api/v1/applications/"+appID+"/credentials", nil)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create credential: %d %s", r.status, r.body)
	}
	m := r.json(e.t)
	return m["id"].(string), m["client_id"].(string), m["client_secret"].(string), m["credential"].(string)
}

func TestApplicationsCRUD(t *testing.T) {
	e := newEnv(t)
	id := e.createApp("ci-bot", "read-only", "results:upload")

	r := e.admin.do("GET", "/api/v1/applications/"+id, nil)
	if r.status != http.StatusOK || r.json(t)["name"] != "ci-bot" {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	if r := e.admin.do("GET", "/api/v1/applications/ci-bot", nil); r.status != http.StatusOK {
		t.Errorf("get by name: %d %s", r.status, r.body)
	}
	r = e.admin.do("PATCH", "/api/v1/applications/"+id, map[string]any{"description": "new", "enabled": false})
	if m := r.json(t); r.status != http.StatusOK || m["description"] != "new" || m["enabled"] != false {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	r = e.admin.do("GET", "/api/v1/applications", nil)
	if items := r.json(t)["items"].([]any); len(items) != 1 {
		t.Errorf("list: %s", r.body)
	}

	bad := []struct {
		name string
		body map[string]any
		code string
	}{
		{"bad name", map[string]any{"name": "has space"}, "invalid"},
		{"long name", map[string]any{"name": strings.Repeat("a", 33)}, "invalid"},
		{"long description", map[string]any{"name": "ok", "description": strings.Repeat("d", 1025)}, "invalid"},
		{"unknown access type", map[string]any{"name": "ok", "access_types": []string{"everything"}}, "invalid"},
		{"duplicate", map[string]any{"name": "ci-bot", "access_types": []string{"read-only"}}, "conflict"},
		{"duplicate in other case", map[string]any{"name": "CI-Bot", "access_types": []string{"read-only"}}, "conflict"},
		{"no access types", map[string]any{"name": "idle"}, "invalid"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, audit := e.counts()
			r := e.admin.do("POST", "/api/v1/applications", tt.body)
			if code := r.errorCode(t); code != tt.code {
				t.Errorf("code %q (%d), want %q", code, r.status, tt.code)
			}
			if _, after := e.counts(); after != audit {
				t.Errorf("a refused request was audited as a change")
			}
		})
	}

	// Several credentials; each revocable on its own; secrets shown once.
	c1, client1, sec1, cred1 := e.createCredential(id)
	c2, client2, sec2, cred2 := e.createCredential(id)
	if !strings.HasPrefix(sec1, "tmc_") || cred1 == "" {
		t.Errorf("secret prefix %q, credential empty: %v", sec1[:4], cred1 == "")
	}
	r = e.admin.do("GET", "/api/v1/applications/"+id+"/credentials", nil)
	if strings.Contains(string(r.body), sec1) || len(r.json(t)["items"].([]any)) != 2 {
		t.Errorf("list credentials: %s", r.body)
	}
	if r := e.admin.do("DELETE", "/api/v1/applications/"+id+"/credentials/"+c1, nil); r.status != http.StatusNoContent {
		t.Errorf("revoke: %d %s", r.status, r.body)
	}
	if r := e.admin.do("DELETE", "/api/v1/applications/"+id+"/credentials/nope", nil); r.status != http.StatusNotFound {
		t.Errorf("revoke unknown: %d %s", r.status, r.body)
	}
	// The revoked credential stops working in every form; the other one
	// keeps working (rotation without downtime).
	cc := url.Values{"grant_type": {"client_credentials"}}
	if r := e.form("/oauth/token", basicAuth(client2, sec2), cc); r.status != http.StatusUnauthorized {
		t.Errorf("a credential of the disabled application: %d %s, want 401", r.status, r.body)
	}
	expect(t, e.admin.do("PATCH", "/api/v1/applications/"+id, map[string]any{"enabled": true}), http.StatusOK, "enable the application")
	for _, auth := range []string{basicAuth(client1, sec1), "Basic " + cred1} {
		if r := e.form("/oauth/token", auth, cc); r.status != http.StatusUnauthorized || r.oauthError(t) != "invalid_client" {
			t.Errorf("revoked credential: %d %s, want 401 invalid_client", r.status, r.body)
		}
	}
	for _, auth := range []string{basicAuth(client2, sec2), "Basic " + cred2} {
		if r := e.form("/oauth/token", auth, cc); r.status != http.StatusOK {
			t.Errorf("the other credential after the first was revoked: %d %s, want 200", r.status, r.body)
		}
	}
	r = e.admin.do("GET", "/api/v1/applications/"+id+"/credentials", nil)
	for _, it := range r.json(t)["items"].([]any) {
		m := it.(map[string]any)
		if revoked := m["revoked_at"] != nil; revoked != (m["id"] == c1) {
			t.Errorf("credential %s revoked=%v (c2=%s)", m["id"], revoked, c2)
		}
		// Only the credential that authenticated shows a last use.
		if used := m["last_used_at"] != nil; used != (m["id"] == c2) {
			t.Errorf("credential %s last_used_at = %v (c2=%s)", m["id"], m["last_used_at"], c2)
		}
	}

	// Non-admins may not manage applications.
	member, _ := e.createUser("bob", "member")
	if r := member.do("GET", "/api/v1/applications", nil); r.status != http.StatusForbidden {
		t.Errorf("member list: %d", r.status)
	}
	if r := e.admin.do("DELETE", "/api/v1/applications/"+id, nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := e.admin.do("GET", "/api/v1/applications/"+id, nil); r.status != http.StatusNotFound {
		t.Errorf("get after delete: %d", r.status)
	}
}
