package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tokenmint"
)

// Expired and revoked tokens stay listed, own and administrators' lists
// alike, with their type, project and (for the owner) description.
func TestExpiredAndRevokedTokensStayListed(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.createUser("alice", "member")
	_, _, revoked := alice.createToken(map[string]any{"type": "CIToken", "name": "revoked-one", "description": "gone by hand", "days_to_live": 30})
	_, _, expired := alice.createToken(map[string]any{"type": "ReportToken", "name": "expired-one", "description": "ran out", "days_to_live": 2})
	if r := alice.do("DELETE", "/api/v1/tokens/"+revoked, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	e.clock.Advance(3 * tokenmint.Day)
	alice, admin := e.login("alice", "alice-password"), e.login("admin", adminPassword) // sessions ended meanwhile

	byID := func(r response) map[string]map[string]any {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		out := map[string]map[string]any{}
		for _, it := range r.json(t)["items"].([]any) {
			m := it.(map[string]any)
			out[m["id"].(string)] = m
		}
		return out
	}
	own := byID(alice.do("GET", "/api/v1/tokens", nil))
	all := byID(admin.do("GET", "/api/v1/tokens?all=true", nil))
	for id, want := range map[string][3]string{revoked: {"revoked", "CIToken", "gone by hand"}, expired: {"expired", "ReportToken", "ran out"}} {
		o, a := own[id], all[id]
		if o == nil || o["status"] != want[0] || o["type"] != want[1] || o["description"] != want[2] || len(o["type_permissions"].([]any)) == 0 {
			t.Errorf("own list shows %s as %v", id, o)
		}
		if a == nil || a["status"] != want[0] || a["type"] != want[1] {
			t.Errorf("admin's list shows %s as %v", id, a)
		}
		if r := alice.do("GET", "/api/v1/tokens/"+id, nil); r.status != http.StatusOK || r.json(t)["status"] != want[0] {
			t.Errorf("GET %s: %d %s", id, r.status, r.body)
		}
	}
	// The lifecycle jobs at their defaults (delete after 90 idle days) leave
	// them alone before that.
	if err := e.svc.RunJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := alice.do("GET", "/api/v1/tokens/"+revoked, nil); r.status != http.StatusOK {
		t.Fatalf("a revoked token was deleted before the inactivity rule: %d", r.status)
	}
}

func TestRecreateTokenAPI(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.createUser("alice", "member")
	bob, _ := e.createUser("bob", "member")
	_, _, old := alice.createToken(map[string]any{"type": "CIToken", "name": "pipeline", "description": "nightly", "days_to_live": 200})
	if r := alice.do("DELETE", "/api/v1/tokens/"+old, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d", r.status)
	}

	// No body: a copy of the old token, shown once like a creation.
	r := alice.do("POST", "/api/v1/tokens/"+old+"/recreate", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("recreate: %d %s", r.status, r.body)
	}
	m := r.json(t)
	now := e.clock.Now()
	exp, _ := time.Parse(time.RFC3339, m["expires_at"].(string))
	if !strings.HasPrefix(m["token"].(string), "tmu_") || m["encoded"] == "" || m["recreated_from"] != old || m["id"] == old ||
		m["name"] != "pipeline" || m["type"] != "CIToken" || m["description"] != "nightly" || m["status"] != "active" ||
		!exp.Equal(now.Add(200*tokenmint.Day)) || len(m["adjustments"].([]any)) != 0 || r.header.Get("Location") != "/api/v1/tokens/"+m["id"].(string) {
		t.Fatalf("recreated: %s", r.body)
	}
	if g := alice.do("GET", "/api/v1/tokens/"+old, nil).json(t); g["status"] != "revoked" {
		t.Fatalf("the old token changed: %v", g)
	}

	// A lower maximum lifetime since: the copy is cut, and says so.
	if r := e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_lifetime_days": 30}); r.status != http.StatusOK {
		t.Fatalf("policy: %d %s", r.status, r.body)
	}
	r = alice.do("POST", "/api/v1/tokens/"+old+"/recreate", map[string]any{"name": "pipeline-2"})
	if r.status != http.StatusCreated {
		t.Fatalf("recreate under the new policy: %d %s", r.status, r.body)
	}
	m = r.json(t)
	adj := m["adjustments"].([]any)
	if m["name"] != "pipeline-2" || len(adj) != 1 || adj[0] != "expiry cut to 30 days by the tenant's policy" {
		t.Fatalf("under a 30-day policy: %s", r.body)
	}

	tokens, _ := e.counts()
	refused := []struct {
		name   string
		c      *client
		path   string
		body   any
		status int
	}{
		{"someone else's token", bob, "/api/v1/tokens/" + old + "/recreate", nil, http.StatusNotFound},
		{"an unknown token", alice, "/api/v1/tokens/00000000-0000-0000-0000-000000000000/recreate", nil, http.StatusNotFound},
		{"an administrator, another user's token", e.admin, "/api/v1/tokens/" + old + "/recreate", nil, http.StatusForbidden},
		{"an unknown field", alice, "/api/v1/tokens/" + old + "/recreate", map[string]any{"type": "UserToken"}, http.StatusBadRequest},
		{"not JSON", alice, "/api/v1/tokens/" + old + "/recreate", "{", http.StatusBadRequest},
		{"days beyond the policy", alice, "/api/v1/tokens/" + old + "/recreate", map[string]any{"days_to_live": 31}, http.StatusBadRequest},
		{"two expiries", alice, "/api/v1/tokens/" + old + "/recreate", map[string]any{"days_to_live": 3, "no_expiry": true}, http.StatusBadRequest},
		{"a control character in the name", alice, "/api/v1/tokens/" + old + "/recreate", map[string]any{"name": "a\u0007b"}, http.StatusBadRequest},
	}
	for _, c := range refused {
		if r := c.c.do("POST", c.path, c.body); r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.status)
		} else {
			r.errorCode(t)
		}
	}
	if tk, _ := e.counts(); tk != tokens {
		t.Fatalf("refused recreations created %d tokens", tk-tokens)
	}
}

// A credential recreates only within its own bounds: a short-lived token
// makes a copy that ends with it, and asking for longer is refused.
func TestRecreateWithANarrowCredential(t *testing.T) {
	e := newOAuthEnv(t)
	alice, _ := e.createUser("alice", "member")
	_, _, old := alice.createToken(map[string]any{"type": "CIToken", "name": "pipeline", "days_to_live": 200})
	short, _, _ := alice.createToken(map[string]any{"type": "UserToken", "name": "short", "days_to_live": 10})
	withShort := e.withToken(short)

	r := withShort.do("POST", "/api/v1/tokens/"+old+"/recreate", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("recreate with a 10-day token: %d %s", r.status, r.body)
	}
	m := r.json(t)
	exp, _ := time.Parse(time.RFC3339, m["expires_at"].(string))
	if !exp.Equal(e.clock.Now().Add(10*tokenmint.Day)) || !strings.Contains(string(r.body), "when the credential presented expires") {
		t.Fatalf("copy made by a 10-day token: %s", r.body)
	}
	tokens, _ := e.counts()
	if r := withShort.do("POST", "/api/v1/tokens/"+old+"/recreate", map[string]any{"days_to_live": 100}); r.status != http.StatusForbidden {
		t.Fatalf("asking a 10-day token for 100 days: %d %s", r.status, r.body)
	}
	// A password-grant JWT holding tokens:write and files:download cannot
	// copy a CIToken, which can do more.
	g := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"alice"},
		"password": {"alice-password"}, "scope": {"tokens:read tokens:write files:download"}})
	if g.status != http.StatusOK {
		t.Fatalf("password grant: %d %s", g.status, g.body)
	}
	if r := e.withToken(g.json(t)["access_token"].(string)).do("POST", "/api/v1/tokens/"+old+"/recreate", nil); r.status != http.StatusForbidden {
		t.Fatalf("a files:download JWT copying a CIToken: %d %s", r.status, r.body)
	}
	if tk, _ := e.counts(); tk != tokens {
		t.Fatalf("refused recreations created %d tokens", tk-tokens)
	}
}
