package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// Renaming a project keeps the tokens scoped to it (the scope is the
// project's ID): verify answers for the new name at once and no longer
// for the old one. Bad changes are refused and change nothing; members
// may not change projects.
func TestProjectUpdate(t *testing.T) {
	e := newEnv(t)
	expect(t, e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "webgoat", "description": "v7"}), http.StatusCreated, "project")
	expect(t, e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "juiceshop"}), http.StatusCreated, "other project")
	scoped, _, _ := e.admin.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "pat", "project": "webgoat"})
	expect(t, e.verify("Bearer "+scoped, "?permission=results:upload&project=webgoat"), http.StatusOK, "before the rename")
	// The new name is unknown yet, and remembered as unknown: the rename
	// must make it known at once.
	expect(t, e.verify("Bearer "+scoped, "?permission=results:upload&project=webgoat-8"), http.StatusForbidden, "the new name before the rename")

	r := e.admin.do("PATCH", "/api/v1/projects/webgoat", map[string]any{"name": "webgoat-8", "description": "the 8.x line"})
	expect(t, r, http.StatusOK, "rename")
	if m := r.json(t); m["name"] != "webgoat-8" || m["description"] != "the 8.x line" {
		t.Errorf("renamed project = %v", m)
	}
	expect(t, e.verify("Bearer "+scoped, "?permission=results:upload&project=webgoat-8"), http.StatusOK, "the new name")
	expect(t, e.verify("Bearer "+scoped, "?permission=results:upload&project=webgoat"), http.StatusForbidden, "the old name")
	if items := auditItems(t, e.admin, "action=project.update"); len(items) != 1 || !strings.Contains(items[0]["detail"].(string), "renamed from webgoat") {
		t.Errorf("project.update audit entries = %v", items)
	}

	for _, c := range []struct {
		body   any
		status int
	}{
		{map[string]any{"name": "juiceshop"}, http.StatusConflict},
		{map[string]any{"name": "has space"}, http.StatusBadRequest},
		{map[string]any{"description": strings.Repeat("d", 1025)}, http.StatusBadRequest},
		{map[string]any{}, http.StatusBadRequest},
		{map[string]any{"colour": "red"}, http.StatusBadRequest},
	} {
		if r := e.admin.do("PATCH", "/api/v1/projects/webgoat-8", c.body); r.status != c.status {
			t.Errorf("PATCH %v: %d %s, want %d", c.body, r.status, r.body, c.status)
		}
	}
	expect(t, e.admin.do("PATCH", "/api/v1/projects/nope", map[string]any{"description": "x"}), http.StatusNotFound, "unknown project")
	member, _ := e.createUser("mia", "member")
	expect(t, member.do("PATCH", "/api/v1/projects/webgoat-8", map[string]any{"description": "mine"}), http.StatusForbidden, "member")
	if m := e.admin.do("GET", "/api/v1/projects/webgoat-8", nil).json(t); m["description"] != "the 8.x line" {
		t.Errorf("refused changes changed the project: %v", m)
	}
}
