package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sso"
	"tokenmint/sso/ssotest"
)

// ssoEnv is a running tokenmint whose default tenant signs in at a real
// OpenID Provider (ssotest, zitadel's op package) started for the test.
type ssoEnv struct {
	*env
	op *ssotest.OP
}

const ssoClientSecret = "op-client-secret-1"

// Groups of the test provider and what they map to.
var ssoMappings = []map[string]string{
	{"group": "tm-admins", "role": "admin"},
	{"group": "tm-members", "role": "member"},
	{"group": "tm-viewers", "role": "viewer"},
	{"group": "app1-dev", "project": "app1", "role": "member"},
}

func newSSOEnv(t *testing.T) *ssoEnv {
	t.Helper()
	// The provider signs ID tokens on the real clock, so the sign-in
	// checks them on the real clock too (the service's stays fake).
	e := startEnv(t, io.Discard, true, func(c *service.Config) { c.SSO = &sso.Client{Logger: c.Logger} })
	op := ssotest.Start(t, "tokenmint", ssoClientSecret, e.srv.URL+"/ui/sso/callback")
	if r := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "app1"}); r.status != http.StatusCreated {
		t.Fatalf("create project: %d %s", r.status, r.body)
	}
	se := &ssoEnv{env: e, op: op}
	se.configure(map[string]any{})
	return se
}

// configure sets the tenant's provider with the test mapping; extra adds
// or overrides fields.
func (e *ssoEnv) configure(extra map[string]any) response {
	e.t.Helper()
	body := map[string]any{
		"name": "Acme IdP", "issuer_url": e.op.Issuer, "client_id": "tokenmint",
		"client_secret": ssoClientSecret, "mappings": ssoMappings,
	}
	for k, v := range extra {
		body[k] = v
	}
	r := e.admin.do("PUT", "/api/v1/sso", body)
	if r.status != http.StatusOK {
		e.t.Fatalf("PUT /api/v1/sso: %d %s", r.status, r.body)
	}
	return r
}

// ssoAnswer is where a browser-like client ended up.
type ssoAnswer struct {
	status int
	path   string // the last URL's path
	body   string
	client *client // signed in when path is /ui/tokens
}

var csrfInPage = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signIn runs the whole flow as a browser does, following every redirect
// with a cookie jar: tokenmint's start, the provider's authorization
// endpoint and login page (which approves user), the callback.
func (e *ssoEnv) signIn(user string) ssoAnswer {
	e.t.Helper()
	e.op.LoginAs(user)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	return e.follow(hc, e.srv.URL+"/ui/sso/start?tenant=default")
}

func (e *ssoEnv) follow(hc *http.Client, u string) ssoAnswer {
	e.t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		e.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := ssoAnswer{status: resp.StatusCode, path: resp.Request.URL.Path, body: string(b)}
	if a.path == "/ui/tokens" && resp.StatusCode == http.StatusOK {
		c := &client{e: e.env, http: hc}
		if m := csrfInPage.FindStringSubmatch(a.body); m != nil {
			c.csrf = m[1]
		}
		a.client = c
	}
	return a
}

// callbackURL runs the flow up to the provider's redirect back to
// tokenmint and returns that URL (with code and state) unvisited.
func (e *ssoEnv) callbackURL(user string) string {
	e.t.Helper()
	e.op.LoginAs(user)
	jar, _ := cookiejar.New(nil)
	var captured string
	hc := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/ui/sso/callback" {
			captured = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(e.srv.URL + "/ui/sso/start?tenant=default")
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if captured == "" {
		e.t.Fatalf("the flow did not come back to the callback (status %d at %s)", resp.StatusCode, resp.Request.URL)
	}
	return captured
}

// withState follows a callback URL in a fresh browser that holds the
// state cookie of that sign-in, as the browser that started it does.
func (e *ssoEnv) withState(cb string) ssoAnswer {
	e.t.Helper()
	hc := newBrowser()
	u, err := url.Parse(e.srv.URL + "/ui/sso/")
	if err != nil {
		e.t.Fatal(err)
	}
	hc.Jar.SetCookies(u, []*http.Cookie{{Name: "tm_sso_state", Value: queryOf(e.t, cb).Get("state"), Path: "/ui/sso/"}})
	return e.follow(hc, cb)
}

// newBrowser is a cookie-jar client that follows redirects.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// userNamed reads a user of the default tenant from the store.
func (e *ssoEnv) userNamed(name string) *tokenmint.User {
	e.t.Helper()
	ctx := context.Background()
	t, err := e.db.TenantByName(ctx, "default")
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.db.UserByUsername(ctx, t.ID, name)
	if err != nil {
		e.t.Fatalf("user %s: %v", name, err)
	}
	return u
}

// memberships returns a user's project roles by project name.
func (e *ssoEnv) memberships(u *tokenmint.User) map[string]string {
	e.t.Helper()
	ctx := context.Background()
	ms, err := e.db.ListMemberships(ctx, tokenmint.MembershipFilter{TenantID: u.TenantID, UserID: u.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range ms {
		p, err := e.db.ProjectByID(ctx, u.TenantID, m.ProjectID)
		if err != nil {
			e.t.Fatal(err)
		}
		out[p.Name] = m.Role
	}
	return out
}

// audits returns the default tenant's audit entries with the action.
func (e *ssoEnv) audits(action string) []*tokenmint.AuditEntry {
	e.t.Helper()
	ctx := context.Background()
	t, err := e.db.TenantByName(ctx, "default")
	if err != nil {
		e.t.Fatal(err)
	}
	es, err := e.db.ListAudit(ctx, tokenmint.AuditFilter{TenantID: t.ID, Action: action, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func queryOf(t testing.TB, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// do sends an API request without any credential.
func (e *ssoEnv) do(method, path string, body any) response {
	e.t.Helper()
	return (&client{e: e.env, http: &http.Client{}}).do(method, path, body)
}

// uiLogin posts the sign-in page's local form as a browser does.
func (e *ssoEnv) uiLogin(user, password string) ssoAnswer {
	e.t.Helper()
	hc := newBrowser()
	page := e.follow(hc, e.srv.URL+"/ui/login")
	m := csrfInPage.FindStringSubmatch(page.body)
	if m == nil {
		e.t.Fatalf("no CSRF value on the sign-in page: %s", page.body)
	}
	resp, err := hc.PostForm(e.srv.URL+"/ui/login", url.Values{"csrf_token": {m[1]}, "username": {user}, "password": {password}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return ssoAnswer{status: resp.StatusCode, path: resp.Request.URL.Path, body: string(b)}
}
