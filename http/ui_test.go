package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// These tests check the web UI's security rules over plain HTTP, without a
// browser: CSRF on every form, the login form's own CSRF check, 403 on
// administration pages, escaping, redirects and error pages.

type uiResponse struct {
	status int
	header http.Header
	body   string
}

// uiDo sends a form (nil: a GET) with c's cookies, without following
// redirects, so the tests see exactly what the server answered.
func uiDo(t *testing.T, c *client, method, path string, form url.Values) uiResponse {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	hc := &http.Client{Jar: c.http.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return uiResponse{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// assertHTMLError checks an error answer is a page for people: HTML, no
// JSON error body, no Go internals.
func assertHTMLError(t *testing.T, r uiResponse, status int, words string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %.300s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want HTML", ct)
	}
	if strings.Contains(r.body, `{"error"`) || strings.Contains(r.body, "goroutine") || strings.Contains(r.body, ".go:") {
		t.Errorf("error page leaks JSON or Go internals: %.500s", r.body)
	}
	if !strings.Contains(r.body, words) {
		t.Errorf("error page lacks %q: %.500s", words, r.body)
	}
}

func TestUIFormsNeedTheSessionCSRFToken(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"type": {"CIToken"}, "name": {"via-form"}, "expires_on": {"2026-02-01"}}
	tokens, _ := e.counts()
	assertHTMLError(t, uiDo(t, e.admin, "POST", "/ui/tokens/new", form), http.StatusForbidden, "did not come from this site")
	form.Set("csrf_token", "not-the-token")
	assertHTMLError(t, uiDo(t, e.admin, "POST", "/ui/tokens/new", form), http.StatusForbidden, "did not come from this site")
	if now, _ := e.counts(); now != tokens {
		t.Fatalf("refused forms created %d tokens", now-tokens)
	}
	form.Set("csrf_token", e.admin.csrf)
	r := uiDo(t, e.admin, "POST", "/ui/tokens/new", form)
	if r.status != http.StatusCreated || !strings.Contains(r.body, `id="token-plain" value="tmu_`) {
		t.Fatalf("form with the CSRF token: %d %.300s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page showing a secret has Cache-Control %q, want no-store", cc)
	}
	// The UI ignores tokens in Authorization: a page is used only through
	// a browser session, so a stolen API token cannot drive the forms.
	plain, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "api"})
	bearer := &client{e: e, http: &http.Client{}, token: plain}
	if r := uiDo(t, bearer, "GET", "/ui/tokens", nil); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/ui/login") {
		t.Errorf("bearer token on a UI page: %d %s, want a redirect to the login page", r.status, r.header.Get("Location"))
	}
}

func TestUILoginForm(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	c := &client{e: e, http: &http.Client{Jar: jar}}
	creds := url.Values{"username": {"admin"}, "password": {adminPassword}, "next": {"/ui/admin/users"}}
	// Without the login page's CSRF value the form is refused, so another
	// site cannot sign a browser in to an account of its choosing.
	assertHTMLError(t, uiDo(t, c, "POST", "/ui/login", creds), http.StatusForbidden, "expired")

	page := uiDo(t, c, "GET", "/ui/login", nil)
	var loginCSRF string
	for _, ck := range jar.Cookies(mustURL(t, e.srv.URL+"/ui/login")) {
		if ck.Name == "tm_login_csrf" {
			loginCSRF = ck.Value
		}
	}
	if loginCSRF == "" || !strings.Contains(page.body, `value="`+loginCSRF+`"`) {
		t.Fatalf("login page has no CSRF value matching its cookie")
	}
	creds.Set("csrf_token", loginCSRF)
	r := uiDo(t, c, "POST", "/ui/login", creds)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/ui/admin/users" {
		t.Fatalf("login: %d to %q", r.status, r.header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "tm_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Value == "" {
		t.Fatalf("session cookie %+v, want HttpOnly SameSite=Strict", session)
	}
	if r := uiDo(t, c, "GET", "/ui/admin/users", nil); r.status != http.StatusOK || !strings.Contains(r.body, "Signed in as") {
		t.Fatalf("after login: %d", r.status)
	}

	// After login, "next" only ever leads to a page of the UI.
	for _, next := range []string{"//other.invalid/", "https://other.invalid/ui/", "/api/v1/tokens", "/ui/login", "/ui/\\evil"} {
		if got := loginNext(t, e, next); got != "/ui/tokens" {
			t.Errorf("next=%q led to %q, want /ui/tokens", next, got)
		}
	}
}

// loginNext signs in through the form with next and returns where the
// server sends the browser.
func loginNext(t *testing.T, e *env, next string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{e: e, http: &http.Client{Jar: jar}}
	uiDo(t, c, "GET", "/ui/login", nil)
	var v string
	for _, ck := range jar.Cookies(mustURL(t, e.srv.URL+"/ui/login")) {
		if ck.Name == "tm_login_csrf" {
			v = ck.Value
		}
	}
	r := uiDo(t, c, "POST", "/ui/login", url.Values{"username": {"admin"}, "password": {adminPassword}, "next": {next}, "csrf_token": {v}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("login with next=%q: %d", next, r.status)
	}
	return r.header.Get("Location")
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUILoginIsThrottled(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	c := &client{e: e, http: &http.Client{Jar: jar}}
	var last uiResponse
	for i := 0; i < 12; i++ {
		uiDo(t, c, "GET", "/ui/login", nil)
		var v string
		for _, ck := range jar.Cookies(mustURL(t, e.srv.URL+"/ui/login")) {
			if ck.Name == "tm_login_csrf" {
				v = ck.Value
			}
		}
		last = uiDo(t, c, "POST", "/ui/login", url.Values{"username": {"admin"}, "password": {"wrong"}, "csrf_token": {v}})
	}
	assertHTMLError(t, last, http.StatusTooManyRequests, "Too many attempts")
}

func TestUIAdministrationIsForAdminsOnly(t *testing.T) {
	e := newEnv(t)
	member, _ := e.createUser("mallory", "member")
	for _, p := range []string{"/ui/admin/", "/ui/admin/tokens", "/ui/admin/users", "/ui/admin/projects",
		"/ui/admin/applications", "/ui/admin/policy", "/ui/admin/webhooks", "/ui/admin/deliveries", "/ui/admin/audit"} {
		assertHTMLError(t, uiDo(t, member, "GET", p, nil), http.StatusForbidden, "administrators only")
	}
	// Forms are refused on the server too, not only hidden.
	r := uiDo(t, member, "POST", "/ui/admin/users", url.Values{
		"csrf_token": {member.csrf}, "username": {"sneaky"}, "password": {"sneaky-password-1"}, "roles": {"admin"},
	})
	assertHTMLError(t, r, http.StatusForbidden, "administrators only")
	if r := e.admin.do("GET", "/api/v1/users/sneaky", nil); r.status != http.StatusNotFound {
		t.Fatalf("a member created a user through the UI: %d", r.status)
	}
	if r := uiDo(t, member, "GET", "/ui/tokens", nil); strings.Contains(r.body, "/ui/admin/") {
		t.Error("a member's page links to administration")
	}
}

func TestUIEscapesWhatUsersTyped(t *testing.T) {
	e := newEnv(t)
	e.admin.createToken(map[string]any{"type": "CIToken", "name": `<script>alert("x")</script>`, "description": `<img src=x onerror=alert(1)>`})
	r := uiDo(t, e.admin, "GET", "/ui/tokens", nil)
	if strings.Contains(r.body, `<script>alert`) || !strings.Contains(r.body, "&lt;script&gt;") {
		t.Fatalf("token name not escaped in the list: %.2000s", r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

func TestUIUnknownPagesAndSignedOutVisits(t *testing.T) {
	e := newEnv(t)
	assertHTMLError(t, uiDo(t, e.admin, "GET", "/ui/no-such-page", nil), http.StatusNotFound, "no such page")
	assertHTMLError(t, uiDo(t, e.admin, "GET", "/ui/tokens/nope", nil), http.StatusNotFound, "Token not found")
	anon := &client{e: e, http: &http.Client{}}
	r := uiDo(t, anon, "GET", "/ui/tokens?status=active", nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/ui/login?next=%2Fui%2Ftokens%3Fstatus%3Dactive" {
		t.Fatalf("signed-out visit: %d %q", r.status, r.header.Get("Location"))
	}
	if r := uiDo(t, anon, "GET", "/ui/static/app.js", nil); r.status != http.StatusOK || !strings.Contains(r.body, "data-copy") ||
		r.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("static script: %d %v", r.status, r.header)
	}
	// Someone signed in who opens the login page goes on to the UI.
	if r := uiDo(t, e.admin, "GET", "/ui/login?next=%2Fui%2Fadmin%2Fusers", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/ui/admin/users" {
		t.Errorf("login page while signed in: %d %q", r.status, r.header.Get("Location"))
	}
	// A bad filter is shown on the page, not as JSON.
	assertHTMLError(t, uiDo(t, e.admin, "GET", "/ui/tokens?status=bogus", nil), http.StatusBadRequest, "Status must be one of")
}

// TestUIAdminOnAnotherUsersToken checks the Fortify rule through the UI's
// forms: an administrator may deactivate, extend and block IPs of another
// user's token, but sees neither its description nor its usage, and may
// not rotate it (the new secret would be shown to the administrator).
func TestUIAdminOnAnotherUsersToken(t *testing.T) {
	e := newEnv(t)
	bob, _ := e.createUser("bob", "member")
	plain, _, id := bob.createToken(map[string]any{"type": "CIToken", "name": "bobs", "description": "bob's private note"})
	if r := e.verify("Bearer "+plain, ""); r.status != http.StatusOK {
		t.Fatalf("verify: %d", r.status)
	}
	if err := e.svc.Usage().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	page := uiDo(t, e.admin, "GET", "/ui/tokens/"+id, nil)
	if page.status != http.StatusOK || strings.Contains(page.body, "private note") || strings.Contains(page.body, `id="usage-table"`) {
		t.Fatalf("admin's view of bob's token (%d) shows its description or usage: %.3000s", page.status, page.body)
	}
	if own := uiDo(t, bob, "GET", "/ui/tokens/"+id, nil); !strings.Contains(own.body, "private note") || !strings.Contains(own.body, `data-ip="127.0.0.1"`) {
		t.Fatalf("bob's own view lacks the description or usage: %.3000s", own.body)
	}

	// Rotating would show the admin the new secret: refused.
	r := uiDo(t, e.admin, "POST", "/ui/tokens/"+id+"/rotate", url.Values{"csrf_token": {e.admin.csrf}, "grace_seconds": {"0"}})
	assertHTMLError(t, r, http.StatusForbidden, "Only the owner may rotate")
	if strings.Contains(r.body, "tmu_") && strings.Contains(r.body, `id="token-plain"`) {
		t.Fatal("a secret was shown to the admin")
	}

	// Blocking an IP and deactivating work.
	r = uiDo(t, e.admin, "POST", "/ui/tokens/"+id+"/block", url.Values{"csrf_token": {e.admin.csrf}, "ip": {"127.0.0.0/8"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("admin blocks an IP range: %d %.300s", r.status, r.body)
	}
	if v := e.verify("Bearer "+plain, ""); v.status != http.StatusForbidden {
		t.Errorf("verify from a blocked range: %d, want 403", v.status)
	}
	r = uiDo(t, e.admin, "POST", "/ui/admin/tokens/"+id+"/active", url.Values{"csrf_token": {e.admin.csrf}, "active": {"false"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("admin deactivates: %d", r.status)
	}
	if v := e.verify("Bearer "+plain, ""); v.status != http.StatusUnauthorized {
		t.Errorf("verify of the deactivated token: %d, want 401", v.status)
	}

	// Another member can do none of it: the token does not exist for her.
	carol, _ := e.createUser("carol", "member")
	assertHTMLError(t, uiDo(t, carol, "GET", "/ui/tokens/"+id, nil), http.StatusNotFound, "not found")
	r = uiDo(t, carol, "POST", "/ui/tokens/"+id+"/active", url.Values{"csrf_token": {carol.csrf}, "active": {"true"}})
	assertHTMLError(t, r, http.StatusNotFound, "not found")
	assertHTMLError(t, uiDo(t, carol, "POST", "/ui/admin/tokens/"+id+"/active", url.Values{"csrf_token": {carol.csrf}, "active": {"true"}}), http.StatusForbidden, "administrators only")
}

// An admin renames a project and changes its description on its page; a
// name already taken is shown next to the field and changes nothing.
func TestUIProjectEdit(t *testing.T) {
	e := newEnv(t)
	p := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "webgoat"}).json(t)
	e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "juiceshop"})
	id := p["id"].(string)
	page := "/ui/admin/projects/" + id
	r := uiDo(t, e.admin, "POST", page+"/edit", url.Values{"csrf_token": {e.admin.csrf}, "name": {"webgoat-8"}, "description": {"the 8.x line"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %.1500s", r.status, r.body)
	}
	if got := uiDo(t, e.admin, "GET", page, nil); !strings.Contains(got.body, "Project webgoat-8") || !strings.Contains(got.body, "the 8.x line") {
		t.Errorf("project page after the rename: %.2000s", got.body)
	}
	r = uiDo(t, e.admin, "POST", page+"/edit", url.Values{"csrf_token": {e.admin.csrf}, "name": {"juiceshop"}, "description": {"x"}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, `id="name-error"`) || !strings.Contains(r.body, `value="juiceshop"`) {
		t.Errorf("rename to a taken name: %d %.3000s", r.status, r.body)
	}
	if m := e.admin.do("GET", "/api/v1/projects/"+id, nil).json(t); m["name"] != "webgoat-8" || m["description"] != "the 8.x line" {
		t.Errorf("a refused rename changed the project: %v", m)
	}
	r = uiDo(t, e.admin, "POST", page+"/edit", url.Values{"name": {"no-csrf"}})
	if r.status != http.StatusForbidden {
		t.Errorf("edit without the CSRF token: %d", r.status)
	}
}

// An administrator answers for the tenant's applications: on an
// application token's page they see its description and the IPs that used
// it, which they never see on another user's token.
func TestUIAdminSeesApplicationTokenUsage(t *testing.T) {
	e := newEnv(t)
	appID := e.createApp("uploader", "scan")
	r := e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "ci", "description": "nightly uploads"})
	expect(t, r, http.StatusCreated, "application token")
	m := r.json(t)
	expect(t, e.verify("Bearer "+m["token"].(string), "?permission=results:upload"), http.StatusOK, "use it")
	if err := e.svc.Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	page := uiDo(t, e.admin, "GET", "/ui/tokens/"+m["id"].(string), nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, "nightly uploads") || !strings.Contains(page.body, `id="usage-table"`) || strings.Contains(page.body, "hidden: only the owner") {
		t.Errorf("admin's page of an application token: %d %.3000s", page.status, page.body)
	}
	alice, _ := e.createUser("alice", "member")
	_, _, aliceTok := alice.createToken(map[string]any{"type": "CIToken", "name": "mine", "description": "secret alice notes"})
	page = uiDo(t, e.admin, "GET", "/ui/tokens/"+aliceTok, nil)
	if strings.Contains(page.body, "secret alice notes") || strings.Contains(page.body, `id="usage-table"`) || !strings.Contains(page.body, "hidden: only the owner") {
		t.Errorf("admin's page of alice's token shows what only alice may see: %.3000s", page.body)
	}
}
