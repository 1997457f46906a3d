package http_test

import (
	"html"
	"net/http"
	"strings"
	"testing"
)

// A token that cannot be copied opens the empty form with the reason,
// never an error page: unknown, another user's, its project deleted, an
// application's.
func TestUICreateLikeATokenThatCannotBeCopied(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.createUser("alice", "member")
	bob, _ := e.createUser("bob", "member")
	p := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "gone"}).json(t)["id"].(string)
	_, _, scoped := alice.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "scoped", "project": p})
	if r := e.admin.do("DELETE", "/api/v1/projects/"+p, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete project: %d %s", r.status, r.body)
	}
	app := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "ci", "access_types": []string{"read-only"}}).json(t)["id"].(string)
	appTok := e.admin.do("POST", "/api/v1/applications/"+app+"/tokens", map[string]any{"name": "deploy"}).json(t)["id"].(string)

	for _, c := range []struct {
		name string
		who  *client
		id   string
		want string
	}{
		{"unknown token", alice, "00000000-0000-0000-0000-000000000000", "token not found"},
		{"another user's token", bob, scoped, "token not found"},
		{"deleted project", alice, scoped, "no longer exists"},
		{"an application's token", e.admin, appTok, "application"},
		{"another user's token, as an administrator", e.admin, scoped, "only the owner may recreate"},
	} {
		r := uiDo(t, c.who, "GET", "/ui/tokens/new?like="+c.id, nil)
		body := html.UnescapeString(r.body)
		if r.status != http.StatusOK || !strings.Contains(body, "Cannot create a token like this one") || !strings.Contains(strings.ToLower(body), strings.ToLower(c.want)) || !strings.Contains(body, `id="create-token-form"`) {
			t.Errorf("%s: %d %.400s", c.name, r.status, r.body)
		}
	}
	if n, _ := e.counts(); n != 2 {
		t.Fatalf("opening the forms changed the tokens: %d, want 2", n)
	}
}
