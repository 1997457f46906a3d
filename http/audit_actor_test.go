package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The audit filter actor= finds the system's own entries (which have no
// actor ID) by "system", and a user's entries by username, including what
// they did with their tokens; an ID still works.
func TestAuditFilterByActor(t *testing.T) {
	e := newEnv(t)
	alice, aliceID := e.createUser("alice", "member")
	plain, _, tokID := alice.createToken(map[string]any{"type": "UserToken", "name": "alice-ci", "days_to_live": 30})
	expect(t, e.withToken(plain).do("POST", "/api/v1/tokens/self/rotate", map[string]any{"grace_seconds": 0}), http.StatusOK, "rotate with the token")
	e.admin.createToken(map[string]any{"type": "CIToken", "name": "admin-ci"})

	list := func(actor string) []map[string]any {
		t.Helper()
		r := e.admin.do("GET", "/api/v1/audit?actor="+url.QueryEscape(actor), nil)
		if r.status != http.StatusOK {
			t.Fatalf("actor=%s: %d %s", actor, r.status, r.body)
		}
		var out []map[string]any
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	system := list("system")
	if len(system) == 0 {
		t.Error("actor=system finds nothing; the bootstrap at least is the system's")
	}
	for _, en := range system {
		if en["actor_kind"] != "system" {
			t.Errorf("actor=system found %v", en)
		}
	}
	byName := list("alice")
	kinds := map[string]bool{}
	for _, en := range byName {
		switch {
		case en["actor_kind"] == "user" && en["actor_id"] == aliceID, en["actor_kind"] == "token" && en["actor_id"] == tokID:
			kinds[en["actor_kind"].(string)+" "+en["action"].(string)] = true
		default:
			t.Errorf("actor=alice found %v", en)
		}
	}
	if !kinds["user token.create"] || !kinds["token token.rotate"] {
		t.Errorf("actor=alice found %v, want her token.create in a session and the rotation by her token", kinds)
	}
	if byID := list(aliceID); len(byID) != len(byName) {
		t.Errorf("actor=<alice's ID> found %d entries, actor=alice %d", len(byID), len(byName))
	}
	if got := list(tokID); len(got) != 1 || got[0]["action"] != "token.rotate" {
		t.Errorf("actor=<token ID> = %v, want the rotation", got)
	}
	if got := list("nobody"); len(got) != 0 {
		t.Errorf("actor=nobody = %v, want nothing", got)
	}
	// The UI's audit page offers the system as an actor.
	page := uiDo(t, e.admin, "GET", "/ui/admin/audit?actor=system", nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, `<option value="system" selected>`) || !strings.Contains(page.body, "tenant.bootstrap") {
		t.Errorf("UI audit filtered by the system: %d %.3000s", page.status, page.body)
	}
}
