package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

func TestCreatedTokenIsShownOnlyOnce(t *testing.T) {
	e := newEnv(t)
	plain, encoded, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "pipeline", "description": "builds"})
	if !strings.HasPrefix(plain, "tmu_") || encoded != tokenmint.EncodeToken(plain) {
		t.Fatalf("token %q encoded %q", plain, encoded)
	}
	for _, path := range []string{"/api/v1/tokens", "/api/v1/tokens/" + id, "/api/v1/tokens?all=true"} {
		r := e.admin.do("GET", path, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		body := string(r.body)
		if strings.Contains(body, plain) || strings.Contains(body, encoded) || strings.Contains(body, plain[4:20]) {
			t.Fatalf("GET %s returned the secret again: %s", path, body)
		}
		if !strings.Contains(body, id) {
			t.Fatalf("GET %s does not list the token: %s", path, body)
		}
	}
}

func TestExpiryLimits(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()

	r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "default"})
	if r.status != http.StatusCreated {
		t.Fatal(r.status, string(r.body))
	}
	exp, _ := time.Parse(time.RFC3339Nano, r.json(t)["expires_at"].(string))
	if want := now.Add(30 * tokenmint.Day); !exp.Equal(want) {
		t.Fatalf("default expiry %v, want the type default %v", exp, want)
	}

	refused := []struct {
		name string
		body map[string]any
		want string
	}{
		{"above type max", map[string]any{"type": "CIToken", "name": "x", "days_to_live": 366}, "maximum of 365 days for type CIToken"},
		{"date above type max", map[string]any{"type": "UnifiedLoginToken", "name": "x", "expires_at": now.Add(49 * time.Hour).Format(time.RFC3339)}, "maximum of 1 days for type UnifiedLoginToken"},
		{"no expiry where type forbids", map[string]any{"type": "CIToken", "name": "x", "no_expiry": true}, "requires an expiry"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			tokens, audit := e.counts()
			r := e.admin.do("POST", "/api/v1/tokens", c.body)
			if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" || !strings.Contains(r.message(t), c.want) {
				t.Fatalf("got %d %s, want 400 naming %q", r.status, r.body, c.want)
			}
			if tk, au := e.counts(); tk != tokens || au != audit {
				t.Fatalf("refused request wrote: tokens %d→%d audit %d→%d", tokens, tk, audit, au)
			}
		})
	}

	// The tenant's max lifetime caps every type and forbids no-expiry.
	pol := tokenmint.DefaultPolicy(tenantID(t, e))
	pol.MaxLifetimeDays = 60
	if err := e.db.PutPolicy(t.Context(), pol); err != nil {
		t.Fatal(err)
	}
	// Written behind the service's back: tell it, as a change announced by
	// another instance would.
	e.svc.Invalidate(service.Change{Kind: service.ChangePolicy, TenantID: pol.TenantID})
	r = e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "x", "days_to_live": 90})
	if r.status != 400 || !strings.Contains(r.message(t), "max_lifetime_days of 60") {
		t.Fatalf("tenant max: %d %s", r.status, r.body)
	}
	r = e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "UserToken", "name": "x", "no_expiry": true})
	if r.status != 400 || !strings.Contains(r.message(t), "max_lifetime_days is 60") {
		t.Fatalf("no expiry under tenant max: %d %s", r.status, r.body)
	}

	// Extend within limits works; beyond is refused and changes nothing.
	_, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ext", "days_to_live": 10})
	r = e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"days_to_live": 60})
	if r.status != 200 {
		t.Fatalf("extend within limits: %d %s", r.status, r.body)
	}
	got, _ := time.Parse(time.RFC3339Nano, r.json(t)["expires_at"].(string))
	if !got.Equal(now.Add(60 * tokenmint.Day)) {
		t.Fatalf("extended to %v", got)
	}
	r = e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"days_to_live": 61})
	if r.status != 400 || !strings.Contains(r.message(t), "max_lifetime_days of 60") {
		t.Fatalf("extend beyond: %d %s", r.status, r.body)
	}
	r = e.admin.do("GET", "/api/v1/tokens/"+id, nil)
	after, _ := time.Parse(time.RFC3339Nano, r.json(t)["expires_at"].(string))
	if !after.Equal(got) {
		t.Fatalf("refused extension changed expiry to %v", after)
	}
}

func tenantID(t *testing.T, e *env) string {
	t.Helper()
	tn, err := e.db.TenantByName(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

func TestRotateKeepsOldSecretForGracePeriod(t *testing.T) {
	e := newEnv(t)
	old, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "rot"})
	r := e.admin.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 3600})
	if r.status != 200 {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	fresh := r.json(t)["token"].(string)
	if fresh == old {
		t.Fatal("rotation returned the same secret")
	}
	for _, tok := range []string{old, fresh} {
		if v := e.verify("Bearer "+tok, ""); v.status != 200 {
			t.Fatalf("during grace %s…: %d %s", tok[:8], v.status, v.body)
		}
	}
	if v := e.verify("Bearer "+old, ""); v.header.Get("X-Token-Expiration") != e.clock.Now().Add(time.Hour).Format(time.RFC3339) {
		t.Fatalf("old secret's X-Token-Expiration %q should be the grace end", v.header.Get("X-Token-Expiration"))
	}
	e.clock.Advance(time.Hour)
	if v := e.verify("Bearer "+old, ""); v.status != 401 {
		t.Fatalf("old secret after grace: %d %s", v.status, v.body)
	}
	if v := e.verify("Bearer "+fresh, ""); v.status != 200 {
		t.Fatalf("new secret after grace: %d %s", v.status, v.body)
	}
	// Grace periods beyond 7 days are refused.
	r = e.admin.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 8 * 86400})
	if r.status != 400 {
		t.Fatalf("grace 8 days: %d %s", r.status, r.body)
	}
}

func TestSelfRotateByTheTokenItself(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(0)
	old, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "self", "days_to_live": 2})
	e.clock.Advance(36 * time.Hour) // close to expiry, the automation renews itself
	r := e.withToken(old).do("POST", "/api/v1/tokens/self/rotate", map[string]any{"grace_seconds": 60})
	if r.status != 200 {
		t.Fatalf("self rotate: %d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["id"] != id {
		t.Fatalf("self rotate changed the token id: %v", m["id"])
	}
	exp, _ := time.Parse(time.RFC3339Nano, m["expires_at"].(string))
	if want := e.clock.Now().Add(30 * tokenmint.Day); !exp.Equal(want) {
		t.Fatalf("renewed expiry %v, want type default from now %v", exp, want)
	}
	if v := e.verify("Bearer "+m["token"].(string), "?permission=results:upload"); v.status != 200 {
		t.Fatalf("renewed token: %d %s", v.status, v.body)
	}
	e.clock.Advance(time.Minute)
	if v := e.verify("Bearer "+old, ""); v.status != 401 {
		t.Fatalf("old token after its grace: %d", v.status)
	}
	// A limit beyond the type maximum is refused on self rotation too.
	r = e.withToken(m["token"].(string)).do("POST", "/api/v1/tokens/self/rotate", map[string]any{"days_to_live": 400})
	if r.status != 400 {
		t.Fatalf("self rotate past type max: %d %s", r.status, r.body)
	}
}

func TestAdminGovernsOthersTokensWithoutSeeingDescription(t *testing.T) {
	e := newEnv(t)
	alice, aliceID := e.createUser("alice", "member")
	plain, _, id := alice.createToken(map[string]any{"type": "CIToken", "name": "alice-ci", "description": "secret project notes", "days_to_live": 5})

	r := e.admin.do("GET", "/api/v1/tokens/"+id, nil)
	if r.status != 200 {
		t.Fatalf("admin get: %d %s", r.status, r.body)
	}
	if m := r.json(t); m["owner_id"] != aliceID || strings.Contains(string(r.body), "secret project notes") || m["description"] != nil {
		t.Fatalf("admin sees: %s", r.body)
	}
	// Nor its use: no last_used_at or uses in the admin's view, while the
	// owner's view has both.
	for _, k := range []string{"last_used_at", "uses"} {
		if _, ok := r.json(t)[k]; ok {
			t.Errorf("admin's view of another user's token has %q: %s", k, r.body)
		}
		if _, ok := alice.do("GET", "/api/v1/tokens/"+id, nil).json(t)[k]; !ok {
			t.Errorf("owner's view lacks %q", k)
		}
	}
	r = e.admin.do("GET", "/api/v1/tokens?owner=alice", nil)
	if r.status != 200 || strings.Contains(string(r.body), "secret project notes") || !strings.Contains(string(r.body), id) {
		t.Fatalf("admin list by owner: %d %s", r.status, r.body)
	}
	if r = e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"days_to_live": 20}); r.status != 200 {
		t.Fatalf("admin extend: %d %s", r.status, r.body)
	}
	if r = e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"description": "x"}); r.status != 403 {
		t.Fatalf("admin change description: %d %s", r.status, r.body)
	}
	if r = e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"active": false}); r.status != 200 || r.json(t)["status"] != "inactive" {
		t.Fatalf("admin deactivate: %d %s", r.status, r.body)
	}
	if v := e.verify("Bearer "+plain, ""); v.status != 401 {
		t.Fatalf("deactivated token verifies: %d", v.status)
	}
	// The owner still sees the description; another member sees nothing.
	if r = alice.do("GET", "/api/v1/tokens/"+id, nil); r.json(t)["description"] != "secret project notes" {
		t.Fatalf("owner view: %s", r.body)
	}
	bob, _ := e.createUser("bob", "member")
	if r = bob.do("GET", "/api/v1/tokens/"+id, nil); r.status != 404 {
		t.Fatalf("other member get: %d", r.status)
	}
	if r = bob.do("GET", "/api/v1/tokens?all=true", nil); r.status != 403 {
		t.Fatalf("member all=true: %d", r.status)
	}
}

func TestListFiltersAndPagination(t *testing.T) {
	e := newEnv(t)
	ids := map[string]bool{}
	for i := 0; i < 5; i++ {
		_, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "p"})
		ids[id] = true
	}
	_, _, rid := e.admin.createToken(map[string]any{"type": "ReportToken", "name": "r"})
	if r := e.admin.do("DELETE", "/api/v1/tokens/"+rid, nil); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < 5; page++ {
		r := e.admin.do("GET", "/api/v1/tokens?type=CIToken&status=active&limit=2"+cursor, nil)
		m := r.json(t)
		for _, it := range m["items"].([]any) {
			seen[it.(map[string]any)["id"].(string)] = true
		}
		next, ok := m["next_cursor"].(string)
		if !ok {
			break
		}
		cursor = "&cursor=" + next
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d active CITokens, want 5", len(seen))
	}
	r := e.admin.do("GET", "/api/v1/tokens?status=revoked", nil)
	items := r.json(t)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != rid {
		t.Fatalf("revoked filter: %s", r.body)
	}
	if r := e.admin.do("GET", "/api/v1/tokens?status=bogus", nil); r.status != 400 {
		t.Fatalf("bad status filter: %d", r.status)
	}
}
