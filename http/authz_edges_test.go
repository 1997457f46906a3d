package http_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/typesfile"
)

// Tests for the authorization holes found at the edges (issue 10): each
// failed before its fix.

// projectFixture is a tenant with projects P1 and P2 and a user, pm, whose
// only right is membership (role member) of P1.
type projectFixture struct {
	p1, p2 string
	pm     *client
	pmID   string
}

func newProjectFixture(t *testing.T, e *env) projectFixture {
	t.Helper()
	var f projectFixture
	for i, name := range []string{"p1", "p2"} {
		r := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": name})
		if r.status != http.StatusCreated {
			t.Fatalf("create project: %d %s", r.status, r.body)
		}
		id := r.json(t)["id"].(string)
		if i == 0 {
			f.p1 = id
		} else {
			f.p2 = id
		}
	}
	f.pm, f.pmID = e.createUser("pm")
	if r := e.admin.do("PATCH", "/api/v1/users/"+f.pmID, map[string]any{"roles": []string{}}); r.status != http.StatusOK {
		t.Fatalf("drop pm's tenant roles: %d %s", r.status, r.body)
	}
	if r := e.admin.do("PUT", "/api/v1/projects/"+f.p1+"/members/"+f.pmID, map[string]any{"role": "member"}); r.status != http.StatusOK {
		t.Fatalf("membership: %d %s", r.status, r.body)
	}
	f.pm = e.login("pm", "pm-password") // dropping every role ended the first session
	return f
}

func projectIDs(t *testing.T, r response) []string {
	t.Helper()
	var ids []string
	for _, it := range r.json(t)["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	slices.Sort(ids)
	return ids
}

// Item 1: listing and reading projects needs projects:read; a project-only
// member sees just their projects.
func TestProjectsNeedProjectsRead(t *testing.T) {
	e := newEnv(t)
	f := newProjectFixture(t, e)

	r := f.pm.do("GET", "/api/v1/projects", nil)
	if r.status != http.StatusOK {
		t.Fatalf("project-only member lists projects: %d %s", r.status, r.body)
	}
	if got := projectIDs(t, r); !slices.Equal(got, []string{f.p1}) {
		t.Errorf("project-only member sees %v, want only %s", got, f.p1)
	}
	if r := f.pm.do("GET", "/api/v1/projects/"+f.p1, nil); r.status != http.StatusOK {
		t.Errorf("own project: %d %s", r.status, r.body)
	}
	if r := f.pm.do("GET", "/api/v1/projects/p2", nil); r.status != http.StatusNotFound {
		t.Errorf("another project by name: %d %s, want 404", r.status, r.body)
	}

	member, _ := e.createUser("mem", "member")
	dl, _, _ := member.createToken(map[string]any{"type": "DownloadFileTransferToken", "name": "dl"})
	for _, path := range []string{"/api/v1/projects", "/api/v1/projects/" + f.p1} {
		if r := e.withToken(dl).do("GET", path, nil); r.status != http.StatusForbidden {
			t.Errorf("files:download-only token GET %s: %d %s, want 403", path, r.status, r.body)
		}
	}
	viewer, _ := e.createUser("vie", "viewer")
	if got := projectIDs(t, viewer.do("GET", "/api/v1/projects", nil)); len(got) != 2 {
		t.Errorf("viewer sees %v, want both projects", got)
	}
	// A project-scoped token with projects:read sees its own project only.
	pt, _, _ := f.pm.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "pat", "project": f.p1})
	if r := e.withToken(pt).do("GET", "/api/v1/projects", nil); r.status != http.StatusForbidden {
		t.Errorf("project token without projects:read lists projects: %d %s", r.status, r.body)
	}
}

// Item 2: every permission named must hold; a repeated project is refused;
// every method gets the same decision.
func TestVerifyEveryPermissionEveryMethod(t *testing.T) {
	e := newEnv(t)
	member, _ := e.createUser("mem", "member")
	tok, _, _ := member.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	bearer := "Bearer " + tok
	for query, want := range map[string]int{
		"?permission=results:upload":                                 200,
		"?permission=results:upload&permission=projects:purge":       403,
		"?permission=projects:purge&permission=results:upload":       403,
		"?permission=results:upload,projects:purge":                  403,
		"?permission=results:upload&permission=results:download":     200,
		"?permission=results:upload&permission=bogus":                400,
		"?permission=results:upload&project=a&project=b":             400,
		"?permission=results:upload&tenant=default&tenant=elsewhere": 400,
	} {
		if r := e.verify(bearer, query); r.status != want {
			t.Errorf("verify %s: %d %s, want %d", query, r.status, r.body, want)
		}
	}
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		for _, c := range []struct {
			auth, query string
			want        int
		}{
			{bearer, "?permission=results:upload", 200},
			{bearer, "?permission=projects:purge", 403},
			{"", "?permission=results:upload", 401},
		} {
			req, _ := http.NewRequest(method, e.srv.URL+"/api/v1/auth/verify"+c.query, strings.NewReader(`{"ignored":true}`))
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			if r := roundTrip(t, http.DefaultClient, req); r.status != c.want {
				t.Errorf("%s verify%s (auth %t): %d, want %d", method, c.query, c.auth != "", r.status, c.want)
			}
		}
	}
}

// Item 12: SonarQube's expiration header beside X-Token-Expiration.
func TestVerifySendsSonarQubeExpirationHeader(t *testing.T) {
	e := newEnv(t)
	tok, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci", "days_to_live": 10})
	r := e.verify("Bearer "+tok, "")
	want := e.clock.Now().Add(10 * tokenmint.Day).UTC()
	if got := r.header.Get("X-Token-Expiration"); got != want.Format(time.RFC3339) {
		t.Errorf("X-Token-Expiration %q, want %q", got, want.Format(time.RFC3339))
	}
	if got := r.header.Get("SonarQube-Authentication-Token-Expiration"); got != want.Format("2006-01-02T15:04:05-0700") {
		t.Errorf("SonarQube-Authentication-Token-Expiration %q", got)
	}
}

// Item 5: a viewer's token may not rotate itself.
func TestSelfRotationNeedsTokensWrite(t *testing.T) {
	e := newEnv(t)
	viewer, _ := e.createUser("vie", "viewer")
	tok, _, _ := viewer.createToken(map[string]any{"type": "UserToken", "name": "ro"})
	r := e.withToken(tok).do("POST", "/api/v1/tokens/self/rotate", map[string]any{"grace_seconds": 0})
	if r.status != http.StatusForbidden {
		t.Fatalf("viewer token rotates itself: %d %s", r.status, r.body)
	}
	if v := e.verify("Bearer "+tok, ""); v.status != http.StatusOK {
		t.Fatalf("the refused rotation changed the token: %d %s", v.status, v.body)
	}
}

// Item 6: a global type needs the tenant-wide right; the type list offers
// only what the caller may create, and says where a project is needed.
func TestGlobalTypesNeedTenantWideRights(t *testing.T) {
	e := newEnv(t)
	f := newProjectFixture(t, e)
	r := f.pm.do("POST", "/api/v1/tokens", map[string]any{"type": "GlobalAnalysisToken", "name": "g", "project": f.p1})
	if r.status != http.StatusForbidden {
		t.Fatalf("project-only member creates a GlobalAnalysisToken: %d %s", r.status, r.body)
	}
	f.pm.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "p", "project": f.p1})

	r = f.pm.do("GET", "/api/v1/token-types", nil)
	types := map[string]map[string]any{}
	for _, it := range r.json(t)["items"].([]any) {
		m := it.(map[string]any)
		types[m["name"].(string)] = m
	}
	if _, ok := types["GlobalAnalysisToken"]; ok {
		t.Errorf("GlobalAnalysisToken offered to a project-only member")
	}
	pat, ok := types["ProjectAnalysisToken"]
	if !ok {
		t.Fatalf("ProjectAnalysisToken not offered: %s", r.body)
	}
	if pat["project_required"] != true || len(pat["projects"].([]any)) != 1 || pat["projects"].([]any)[0] != f.p1 {
		t.Errorf("ProjectAnalysisToken hint: %v", pat)
	}
	for name, ty := range types {
		if ty["project_required"] != true {
			t.Errorf("%s offered without a project to a member of one project only", name)
		}
	}
	// An admin's list has the global type, needing no project.
	r = e.admin.do("GET", "/api/v1/token-types", nil)
	if !strings.Contains(string(r.body), `"name":"GlobalAnalysisToken"`) {
		t.Errorf("admin's list lacks GlobalAnalysisToken")
	}
}

// Item A: a credential cannot create a token broader, elsewhere or longer
// lived than itself; with no expiry asked, the new one ends with it.
func TestNarrowCredentialCannotMintBroad(t *testing.T) {
	e := newOAuthEnv(t)
	member, _ := e.createUser("mem", "member")
	grant := func(scope string) string {
		r := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"mem"}, "password": {"mem-password"}, "scope": {scope}})
		if r.status != http.StatusOK {
			t.Fatalf("password grant %q: %d %s", scope, r.status, r.body)
		}
		return r.json(t)["access_token"].(string)
	}
	narrow := e.withToken(grant("tokens:write"))
	tokens, audit := e.counts()
	if r := narrow.do("POST", "/api/v1/tokens", map[string]any{"type": "UserToken", "name": "broad"}); r.status != http.StatusForbidden {
		t.Fatalf("a tokens:write JWT minted a UserToken: %d %s", r.status, r.body)
	}
	if n, _ := e.counts(); n != tokens {
		t.Fatalf("a refused creation stored a token")
	}
	if _, a := e.counts(); a == audit {
		t.Errorf("the refusal was not audited")
	}
	upload := e.withToken(grant("tokens:write results:upload"))
	r := upload.do("POST", "/api/v1/tokens", map[string]any{"type": "AnalysisUploadToken", "name": "u"})
	if r.status != http.StatusCreated {
		t.Fatalf("within bounds: %d %s", r.status, r.body)
	}
	exp, _ := time.Parse(time.RFC3339Nano, r.json(t)["expires_at"].(string))
	if max := e.clock.Now().Add(time.Hour); exp.After(max) {
		t.Errorf("a token made by a 1-hour JWT expires at %v, after the JWT (%v)", exp, max)
	}
	if r := upload.do("POST", "/api/v1/tokens", map[string]any{"type": "AnalysisUploadToken", "name": "u2", "days_to_live": 30}); r.status != http.StatusForbidden {
		t.Errorf("asked to outlive the JWT: %d %s", r.status, r.body)
	}
	// Rotating another token hands its new secret over: the same bound.
	_, _, ciID := member.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	if r := upload.do("POST", "/api/v1/tokens/"+ciID+"/rotate", map[string]any{}); r.status != http.StatusForbidden {
		t.Errorf("a narrow JWT rotated a broad token: %d %s", r.status, r.body)
	}
}

// projectAdminTypes are the built-in types plus a project-scoped type
// carrying every permission the owner holds on the project.
func projectAdminTypes(t *testing.T) func(*service.Config) {
	return func(cfg *service.Config) {
		var all []tokenmint.TokenType
		for _, ty := range typesfile.Defaults().All() {
			all = append(all, *ty)
		}
		all = append(all, tokenmint.TokenType{
			Name: "ProjectEverythingToken", Description: "all of the owner's rights on one project",
			Permissions: []tokenmint.Permission{"*"}, ProjectScoped: true, DefaultDaysToLive: 30, MaxDaysToLive: 90, OwnerKind: tokenmint.OwnerUser,
		})
		reg, err := tokenmint.NewTypeRegistry(all)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Types = reg
	}
}

// Item B: a project role never becomes tenant-wide through a project-scoped
// token or the JWT exchanged for it.
func TestProjectScopedCredentialGetsNothingTenantLevel(t *testing.T) {
	e := startEnv(t, io.Discard, true, projectAdminTypes(t))
	f := newProjectFixture(t, e)
	if r := e.admin.do("PUT", "/api/v1/projects/"+f.p1+"/members/"+f.pmID, map[string]any{"role": "admin"}); r.status != http.StatusOK {
		t.Fatalf("make pm admin of p1: %d %s", r.status, r.body)
	}
	tok, _, _ := f.pm.createToken(map[string]any{"type": "ProjectEverythingToken", "name": "pe", "project": f.p1})
	r := e.form("/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {tok}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	if r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	jwt := r.json(t)["access_token"].(string)
	for name, cred := range map[string]string{"token": tok, "exchanged JWT": jwt} {
		c := e.withToken(cred)
		for _, call := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/users", map[string]any{"username": "evil", "password": "evil-password-1", "roles": []string{"admin"}}},
			{"GET", "/api/v1/users", nil},
			{"PUT", "/api/v1/policies", map[string]any{"max_lifetime_days": 0}},
			{"GET", "/api/v1/audit", nil},
			{"POST", "/api/v1/projects", map[string]any{"name": "x"}},
			{"GET", "/api/v1/tokens?all=true", nil},
		} {
			if r := c.do(call.method, call.path, call.body); r.status != http.StatusForbidden {
				t.Errorf("%s: %s %s answered %d %s, want 403", name, call.method, call.path, r.status, r.body)
			}
		}
		if v := e.verify("Bearer "+cred, "?permission=users:manage&project="+f.p1); v.status != http.StatusForbidden {
			t.Errorf("%s verifies users:manage: %d", name, v.status)
		}
		// On its own project it still works, and what it makes stays there.
		if v := e.verify("Bearer "+cred, "?permission=results:upload&project="+f.p1); v.status != http.StatusOK {
			t.Errorf("%s on its project: %d %s", name, v.status, v.body)
		}
	}
	// Named no project, what it makes is scoped to its own.
	r = e.withToken(tok).do("POST", "/api/v1/tokens", map[string]any{"type": "ProjectAnalysisToken", "name": "made"})
	if r.status != http.StatusCreated {
		t.Fatalf("a project token creates a token within its bounds: %d %s", r.status, r.body)
	}
	if got := r.json(t)["project_id"]; got != f.p1 {
		t.Errorf("a token made by a project token is scoped to %v, want %s", got, f.p1)
	}
	for _, body := range []map[string]any{
		{"type": "ProjectAnalysisToken", "name": "out", "project": f.p2},
		{"type": "UserToken", "name": "wide"},
	} {
		if r := e.withToken(tok).do("POST", "/api/v1/tokens", body); r.status != http.StatusForbidden {
			t.Errorf("a project token made %v: %d %s", body, r.status, r.body)
		}
	}
}

// Item C: a secret rotated away may verify during its grace period and do
// nothing else.
func TestRetiredSecretOnlyVerifies(t *testing.T) {
	e := newEnv(t)
	old, _, id := e.admin.createToken(map[string]any{"type": "UserToken", "name": "rot"})
	r := e.admin.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 3600})
	if r.status != http.StatusOK {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	fresh := r.json(t)["token"].(string)
	if v := e.verify("Bearer "+old, ""); v.status != http.StatusOK {
		t.Fatalf("old secret in its grace period: %d", v.status)
	}
	_, auditBefore := e.counts()
	c := e.withToken(old)
	for _, call := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/tokens/self/rotate", map[string]any{"grace_seconds": 0}},
		{"POST", "/api/v1/tokens/" + id + "/rotate", map[string]any{}},
		{"PATCH", "/api/v1/tokens/self", map[string]any{"description": "mine now"}},
		{"PUT", "/api/v1/tokens/" + id + "/blocked-ips/192.0.2.1", nil},
		{"POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "spawn"}},
		{"DELETE", "/api/v1/tokens/" + id, nil},
		{"GET", "/api/v1/tokens/self", nil},
	} {
		if r := c.do(call.method, call.path, call.body); r.status != http.StatusForbidden {
			t.Errorf("old secret %s %s: %d %s, want 403", call.method, call.path, r.status, r.body)
		}
	}
	if _, a := e.counts(); a < auditBefore+7 {
		t.Errorf("refused uses of the old secret were not all audited (%d new entries)", a-auditBefore)
	}
	if v := e.verify("Bearer "+fresh, ""); v.status != http.StatusOK {
		t.Fatalf("the owner's new secret after the attempts: %d %s", v.status, v.body)
	}
}

// Item D: a password reset, a disable or the loss of every role ends the
// user's sessions; signing in again works where the account allows.
func TestUserChangesEndSessions(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name   string
		change map[string]any
	}{
		{"password", map[string]any{"password": "a-brand-new-password-1"}},
		{"disable", map[string]any{"enabled": false}},
		{"roles", map[string]any{"roles": []string{}}},
	} {
		u, id := e.createUser("u-"+c.name, "member")
		if r := u.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusOK {
			t.Fatalf("%s: session before: %d", c.name, r.status)
		}
		if r := e.admin.do("PATCH", "/api/v1/users/"+id, c.change); r.status != http.StatusOK {
			t.Fatalf("%s: change: %d %s", c.name, r.status, r.body)
		}
		if c.name == "disable" { // enabled again: the old session stays ended
			if r := e.admin.do("PATCH", "/api/v1/users/"+id, map[string]any{"enabled": true}); r.status != http.StatusOK {
				t.Fatalf("re-enable: %d", r.status)
			}
		}
		if r := u.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s: the old session answered %d, want 401", c.name, r.status)
		}
	}
	// An e-mail change leaves sessions alone.
	u, id := e.createUser("u-email", "member")
	e.admin.do("PATCH", "/api/v1/users/"+id, map[string]any{"email": "u@example.org"})
	if r := u.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusOK {
		t.Errorf("an e-mail change ended the session: %d", r.status)
	}
}

// Item 18: reading one's own metadata spends no use of a single-use token.
func TestSelfReadSpendsNoUse(t *testing.T) {
	e := newEnv(t)
	tok, _, _ := e.admin.createToken(map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "once"})
	e.withToken(tok).do("GET", "/api/v1/tokens/self", nil)
	e.withToken(tok).do("GET", "/api/v1/token-types", nil)
	if v := e.verify("Bearer "+tok, "?permission=scans:control"); v.status != http.StatusOK {
		t.Fatalf("the single use after reads: %d %s", v.status, v.body)
	}
	if v := e.verify("Bearer "+tok, "?permission=scans:control"); v.status != http.StatusUnauthorized {
		t.Fatalf("a second use: %d", v.status)
	}
}

// Item F: members do not hold tokens:introspect; admins do.
func TestIntrospectionIsForAdminsByDefault(t *testing.T) {
	e := newOAuthEnv(t)
	member, _ := e.createUser("mem", "member")
	target, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "target"})
	memTok, _, _ := member.createToken(map[string]any{"type": "UserToken", "name": "m"})
	r := e.form("/oauth/introspect", "Bearer "+memTok, url.Values{"token": {target}})
	if r.status != http.StatusForbidden && r.status != http.StatusUnauthorized {
		t.Fatalf("a member's token introspected: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "CIToken") {
		t.Fatalf("the refusal leaked the token's details: %s", r.body)
	}
	adminTok, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "a"})
	r = e.form("/oauth/introspect", "Bearer "+adminTok, url.Values{"token": {target}})
	if r.status != http.StatusOK || r.json(t)["active"] != true {
		t.Fatalf("an admin's token introspects: %d %s", r.status, r.body)
	}
}

// Item G: logging out with the cookie needs the CSRF header.
func TestLogoutNeedsCSRF(t *testing.T) {
	e := newEnv(t)
	u, _ := e.createUser("u", "member")
	csrf := u.csrf
	u.csrf = ""
	if r := u.do("POST", "/api/v1/auth/logout", nil); r.status != http.StatusForbidden {
		t.Fatalf("logout without CSRF header: %d %s", r.status, r.body)
	}
	if r := u.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("the refused logout ended the session: %d", r.status)
	}
	u.csrf = csrf
	if r := u.do("POST", "/api/v1/auth/logout", nil); r.status != http.StatusNoContent {
		t.Fatalf("logout with the header: %d %s", r.status, r.body)
	}
	if r := u.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("session after logout: %d", r.status)
	}
}

// A project-scoped type may not carry the tenant administration
// permissions: such a types file is refused at start.
func TestProjectScopedTypeWithAdminPermissionRefused(t *testing.T) {
	for _, p := range []tokenmint.Permission{"users:manage", "tokens:manage"} {
		_, err := tokenmint.NewTypeRegistry([]tokenmint.TokenType{{
			Name: "Bad", Permissions: []tokenmint.Permission{"api:read", p}, ProjectScoped: true,
			DefaultDaysToLive: 1, OwnerKind: tokenmint.OwnerUser,
		}})
		if err == nil || !strings.Contains(err.Error(), string(p)) {
			t.Errorf("project-scoped type with %s: %v", p, err)
		}
	}
}

// Item 15: a refusal says what was refused and what would allow it.
func TestRefusalsSayWhatWouldAllow(t *testing.T) {
	e := newEnv(t)
	viewer, _ := e.createUser("vie", "viewer")
	r := viewer.do("POST", "/api/v1/projects", map[string]any{"name": "p"})
	if r.status != http.StatusForbidden {
		t.Fatalf("viewer creates a project: %d %s", r.status, r.body)
	}
	if msg := r.message(t); !strings.Contains(msg, "create projects") || !strings.Contains(msg, "administrator") {
		t.Errorf("viewer creating a project is told %q", msg)
	}
}
