package http_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"tokenmint/sso/ssotest"
)

func TestSSOFirstSignInCreatesUserWithMappedRoles(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-alice", Username: "alice", Email: "alice@acme.example", Groups: []string{"tm-viewers", "app1-dev", "unmapped"}})

	a := e.signIn("sub-alice")
	if a.path != "/ui/tokens" || a.status != http.StatusOK || a.client == nil {
		t.Fatalf("sign-in ended at %s with %d: %s", a.path, a.status, a.body)
	}
	if !strings.Contains(a.body, "alice") {
		t.Errorf("the token list does not name the signed-in user")
	}
	u := e.userNamed("alice")
	if u.PasswordHash != "" || u.Email != "alice@acme.example" || !slices.Equal(u.Roles, []string{"viewer"}) {
		t.Errorf("JIT user = password %t, email %q, roles %v; want no password, the e-mail claim, [viewer]", u.PasswordHash != "", u.Email, u.Roles)
	}
	if got := e.memberships(u); len(got) != 1 || got["app1"] != "member" {
		t.Errorf("memberships = %v; want app1: member", got)
	}
	link, err := e.db.UserIdentityBySubject(context.Background(), u.TenantID, e.op.Issuer, "sub-alice")
	if err != nil || link.UserID != u.ID {
		t.Errorf("identity of (issuer, sub-alice) = %v, %v; want user %s", link, err, u.ID)
	}
	// The session works for the API as for any user.
	me := a.client.do("GET", "/api/v1/auth/me", nil)
	if me.status != http.StatusOK || me.json(t)["user"].(map[string]any)["username"] != "alice" {
		t.Fatalf("GET /api/v1/auth/me: %d %s", me.status, me.body)
	}

	// A second sign-in finds the same user.
	if a2 := e.signIn("sub-alice"); a2.path != "/ui/tokens" {
		t.Fatalf("second sign-in ended at %s: %s", a2.path, a2.body)
	}
	r := e.admin.do("GET", "/api/v1/users?limit=100", nil)
	if n := strings.Count(string(r.body), `"username":"alice`); n != 1 {
		t.Errorf("%d users named alice* after two sign-ins; want 1: %s", n, r.body)
	}

	// Audited with the user as actor: creation, both sign-ins, the roles.
	for action, want := range map[string]int{"user.create": 1, "sso.login": 2, "sso.roles": 1} {
		n := 0
		for _, en := range e.audits(action) {
			if en.ActorKind == "user" && en.ActorID == u.ID && en.Outcome == "success" {
				n++
			}
			if strings.Contains(en.Detail, ssoClientSecret) {
				t.Errorf("audit %s holds the client secret: %q", action, en.Detail)
			}
		}
		if n != want {
			t.Errorf("%d successful %s entries by alice; want %d", n, action, want)
		}
	}
}

func TestSSOGroupRemovedTakesRightsAtNextSignInAndFromTokens(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-bea", Username: "bea", Email: "bea@acme.example", Groups: []string{"tm-members", "app1-dev"}})
	a := e.signIn("sub-bea")
	if a.client == nil {
		t.Fatalf("sign-in ended at %s: %s", a.path, a.body)
	}
	global, _, _ := a.client.createToken(map[string]any{"type": "UserToken", "name": "ci", "days_to_live": 30})
	scoped, _, _ := a.client.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "app1-ci", "project": "app1", "days_to_live": 30})
	for _, c := range []struct{ tok, query string }{
		{global, "?permission=results:upload"},
		{scoped, "?permission=results:upload&project=app1"},
	} {
		if r := e.verify("Bearer "+c.tok, c.query); r.status != http.StatusOK {
			t.Fatalf("before the change, verify %s: %d %s", c.query, r.status, r.body)
		}
	}

	// The identity provider's admin moves bea to the viewers and out of
	// app1's developers; her next sign-in applies it.
	e.op.SetGroups("sub-bea", "tm-viewers")
	if a2 := e.signIn("sub-bea"); a2.path != "/ui/tokens" {
		t.Fatalf("second sign-in ended at %s: %s", a2.path, a2.body)
	}
	u := e.userNamed("bea")
	if !slices.Equal(u.Roles, []string{"viewer"}) || len(e.memberships(u)) != 0 {
		t.Fatalf("after the change roles = %v, memberships = %v; want [viewer] and none", u.Roles, e.memberships(u))
	}
	// Her existing tokens lose the rights at once; reading still works.
	for _, c := range []struct {
		tok, query string
		want       int
	}{
		{global, "?permission=results:upload", http.StatusForbidden},
		{global, "?permission=api:read", http.StatusOK},
		{scoped, "?permission=results:upload&project=app1", http.StatusForbidden},
	} {
		if r := e.verify("Bearer "+c.tok, c.query); r.status != c.want {
			t.Errorf("after the change, verify %s: %d; want %d (%s)", c.query, r.status, c.want, r.body)
		}
	}
	roles := e.audits("sso.roles")
	if len(roles) != 2 || !strings.Contains(roles[0].Detail, "[member] -> [viewer]") {
		t.Errorf("sso.roles audit = %d entries, newest %q; want 2, the newest naming [member] -> [viewer]", len(roles), roles[0].Detail)
	}

	// Out of every mapped group: refused with a clear message, and the
	// rights that remained are gone too.
	e.op.SetGroups("sub-bea", "unmapped")
	a3 := e.signIn("sub-bea")
	if a3.status != http.StatusForbidden || !strings.Contains(a3.body, "none of your groups is mapped") {
		t.Fatalf("sign-in without a mapped group: %d at %s; want 403 saying no group is mapped: %s", a3.status, a3.path, a3.body)
	}
	if u := e.userNamed("bea"); len(u.Roles) != 0 {
		t.Errorf("roles after losing every mapped group = %v; want none", u.Roles)
	}
	if r := e.verify("Bearer "+global, "?permission=api:read"); r.status != http.StatusForbidden {
		t.Errorf("verify api:read after losing every group: %d; want 403", r.status)
	}
	// Her old session ended with her rights.
	if r := a.client.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusUnauthorized {
		t.Errorf("old session after losing every group: %d; want 401", r.status)
	}
}

func TestSSOUserWithoutMappedGroupIsRefusedAndNotCreated(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-carl", Username: "carl", Email: "carl@acme.example", Groups: []string{"sales"}})
	a := e.signIn("sub-carl")
	if a.status != http.StatusForbidden || a.path != "/ui/sso/callback" || !strings.Contains(a.body, "none of your groups is mapped") {
		t.Fatalf("sign-in: %d at %s; want 403 on the sign-in page: %s", a.status, a.path, a.body)
	}
	if !strings.Contains(a.body, `id="login-form"`) {
		t.Errorf("the refusal does not show the sign-in form")
	}
	r := e.admin.do("GET", "/api/v1/users?limit=100", nil)
	if strings.Contains(string(r.body), "carl") {
		t.Errorf("a user was created for someone without a mapped group: %s", r.body)
	}
	denied := e.audits("sso.login")
	if len(denied) == 0 || denied[0].Outcome != "denied" {
		t.Errorf("no denied sso.login audit entry: %v", denied)
	}
}

func TestSSOTamperedIDTokenIsRefused(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-dan", Username: "dan", Groups: []string{"tm-members"}})
	e.op.TamperIDToken.Store(true)
	a := e.signIn("sub-dan")
	if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "ID token from the identity provider is not valid") {
		t.Fatalf("tampered ID token: %d at %s; want 401 saying the ID token is not valid: %s", a.status, a.path, a.body)
	}
	if r := e.admin.do("GET", "/api/v1/users?limit=100", nil); strings.Contains(string(r.body), `"dan"`) {
		t.Errorf("a tampered ID token created a user")
	}
	// The same person with an intact token gets in: the refusal was the
	// signature's.
	e.op.TamperIDToken.Store(false)
	if a := e.signIn("sub-dan"); a.path != "/ui/tokens" {
		t.Fatalf("intact ID token: ended at %s: %s", a.path, a.body)
	}
}

func TestSSOWrongNonceIsRefused(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-eve", Username: "eve", Groups: []string{"tm-members"}})
	e.op.WrongNonce.Store(true)
	a := e.signIn("sub-eve")
	if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "nonce mismatch") {
		t.Fatalf("wrong nonce: %d at %s; want 401 naming the nonce: %s", a.status, a.path, a.body)
	}
	if r := e.admin.do("GET", "/api/v1/users?limit=100", nil); strings.Contains(string(r.body), `"eve"`) {
		t.Errorf("a wrong nonce created a user")
	}
}

func TestSSOReplayedStateAndCodeAreRefused(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-fay", Username: "fay", Groups: []string{"tm-members"}})
	cb := e.callbackURL("sub-fay")
	if a := e.withState(cb); a.path != "/ui/tokens" {
		t.Fatalf("first use of the callback ended at %s (%d): %s", a.path, a.status, a.body)
	}
	// The same callback again (a replayed state and code), even from a
	// browser holding the state cookie: the first use took the sign-in.
	if a := e.withState(cb); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "expired or was already used") {
		t.Fatalf("replayed callback: %d: %s", a.status, a.body)
	}
	// The spent code with the state of a fresh sign-in: the provider
	// refuses it (spent, and the fresh sign-in's PKCE verifier does not
	// match it).
	fresh := queryOf(t, e.callbackURL("sub-fay"))
	spliced := e.srv.URL + "/ui/sso/callback?" + url.Values{"state": {fresh.Get("state")}, "code": {queryOf(t, cb).Get("code")}}.Encode()
	if a := e.withState(spliced); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "refused the sign-in") {
		t.Fatalf("replayed code with a fresh state: %d: %s", a.status, a.body)
	}
	// An unknown state is refused without asking the provider.
	if a := e.withState(e.srv.URL + "/ui/sso/callback?state=forged&code=x"); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "expired or was already used") {
		t.Fatalf("forged state: %d: %s", a.status, a.body)
	}
}

// A callback link followed in a browser that did not start the sign-in
// (an attacker's link sent to a victim: login CSRF) is refused, and the
// sign-in stays usable by the browser that started it.
func TestSSOCallbackInAnotherBrowserIsRefused(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-mal", Username: "mallory", Groups: []string{"tm-members"}})
	cb := e.callbackURL("sub-mal")
	victim := e.follow(newBrowser(), cb)
	if victim.status != http.StatusUnauthorized || victim.client != nil || !strings.Contains(victim.body, "not started in this browser") {
		t.Fatalf("callback in another browser: %d at %s: %s", victim.status, victim.path, victim.body)
	}
	if a := e.withState(cb); a.path != "/ui/tokens" {
		t.Fatalf("the starting browser after the refusal: %d at %s", a.status, a.path)
	}
}

func TestSSOSignInExpiresAfterTenMinutes(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-gus", Username: "gus", Groups: []string{"tm-members"}})
	cb := e.callbackURL("sub-gus")
	e.clock.Advance(11 * time.Minute)
	if a := e.withState(cb); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "expired") {
		t.Fatalf("callback after 11 minutes: %d: %s", a.status, a.body)
	}
}

func TestSSOProviderDownShowsMessageAndBreakGlassStillSignsIn(t *testing.T) {
	e := newSSOEnv(t)
	e.configure(map[string]any{"local_passwords": "disabled", "break_glass_user": "admin"})
	e.op.SetDown(true)
	a := e.follow(newBrowser(), e.srv.URL+"/ui/sso/start?tenant=default")
	if a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "identity provider could not be reached") {
		t.Fatalf("start with the provider down: %d: %s", a.status, a.body)
	}
	if !strings.Contains(a.body, `id="login-form"`) || !strings.Contains(a.body, "Sign in with Acme IdP") {
		t.Errorf("the sign-in page with the provider down lacks the form or the button")
	}
	// The break-glass administrator signs in with the local password.
	admin := e.login("admin", adminPassword)
	if r := admin.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("break-glass admin: %d %s", r.status, r.body)
	}
	// Back up: the sign-in works again.
	e.op.SetDown(false)
	e.op.AddUser(ssotest.User{ID: "sub-hal", Username: "hal", Groups: []string{"tm-viewers"}})
	if a := e.signIn("sub-hal"); a.path != "/ui/tokens" {
		t.Fatalf("provider back: ended at %s: %s", a.path, a.body)
	}
}

func TestSSOLocalPasswordsDisabledKeepsOnlyBreakGlass(t *testing.T) {
	e := newSSOEnv(t)
	member, _ := e.createUser("ivy", "member")
	_ = member
	e.configure(map[string]any{"local_passwords": "disabled", "break_glass_user": "admin"})

	r := e.do("POST", "/api/v1/auth/login", map[string]string{"username": "ivy", "password": "ivy-password"})
	if r.status != http.StatusForbidden || !strings.Contains(r.message(t), "local passwords are turned off") {
		t.Fatalf("local login of a non-break-glass user: %d %s", r.status, r.body)
	}
	// The UI's form says the same.
	ui := e.uiLogin("ivy", "ivy-password")
	if ui.status != http.StatusForbidden || !strings.Contains(ui.body, "Sign in with Acme IdP") {
		t.Errorf("UI login of a non-break-glass user: %d: %s", ui.status, ui.body)
	}
	// The password grant too; the break-glass admin keeps both.
	grant := func(user, pw string) int {
		return e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}}).status
	}
	if s := grant("ivy", "ivy-password"); s == http.StatusOK {
		t.Errorf("password grant of a non-break-glass user: %d; want a refusal", s)
	}
	if s := grant("admin", adminPassword); s != http.StatusOK {
		t.Errorf("password grant of the break-glass admin: %d; want 200", s)
	}
	if c := e.login("admin", adminPassword); c == nil {
		t.Fatal("break-glass admin cannot sign in")
	}
	// A wrong password still reads as a wrong password, telling nothing.
	if r := e.do("POST", "/api/v1/auth/login", map[string]string{"username": "ivy", "password": "wrong-password"}); r.status != http.StatusUnauthorized {
		t.Errorf("wrong password with local passwords off: %d; want 401", r.status)
	}
	// Enabled again: ivy is back.
	e.configure(map[string]any{"local_passwords": "enabled"})
	if s := grant("ivy", "ivy-password"); s != http.StatusOK {
		t.Errorf("password grant with local passwords enabled again: %d; want 200", s)
	}
}

func TestSSOSettingsAPI(t *testing.T) {
	e := newSSOEnv(t)
	get := e.admin.do("GET", "/api/v1/sso", nil)
	if get.status != http.StatusOK {
		t.Fatalf("GET /api/v1/sso: %d %s", get.status, get.body)
	}
	m := get.json(t)
	if m["client_secret_set"] != true || m["local_passwords"] != "enabled" || m["groups_claim"] != "groups" ||
		m["redirect_uri"] != e.srv.URL+"/ui/sso/callback" {
		t.Errorf("GET /api/v1/sso = %s", get.body)
	}
	if strings.Contains(string(get.body), ssoClientSecret) {
		t.Errorf("the API shows the client secret: %s", get.body)
	}
	// Changing without client_secret keeps the stored secret: sign-in
	// still works (the provider checks it).
	e.configure(map[string]any{"client_secret": nil, "name": "Acme SSO"})
	e.op.AddUser(ssotest.User{ID: "sub-jo", Username: "jo", Groups: []string{"tm-viewers"}})
	if a := e.signIn("sub-jo"); a.path != "/ui/tokens" {
		t.Fatalf("sign-in after a change that kept the secret: %s: %s", a.path, a.body)
	}
	// The secret is sealed at rest: the database file never holds it.
	raw, err := e.db.SSOProviderByTenant(context.Background(), e.userNamed("admin").TenantID)
	if err != nil || strings.Contains(string(raw.SealedClientSecret), ssoClientSecret) || len(raw.SealedClientSecret) == 0 {
		t.Errorf("sealed client secret = %q, %v", raw.SealedClientSecret, err)
	}

	for _, c := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"unknown role", map[string]any{"mappings": []map[string]string{{"group": "g", "role": "owner"}}}, "unknown role"},
		{"unknown project", map[string]any{"mappings": []map[string]string{{"group": "g", "project": "nope", "role": "member"}}}, "no project"},
		{"no mapping", map[string]any{"mappings": []map[string]string{}}, "at least one mapping"},
		{"local off without break-glass", map[string]any{"local_passwords": "disabled"}, "break-glass"},
		{"break-glass not admin", map[string]any{"local_passwords": "disabled", "break_glass_user": "kim"}, "break_glass_user"},
		{"bad issuer", map[string]any{"issuer_url": "ftp://idp"}, "issuer_url"},
	} {
		body := map[string]any{"issuer_url": e.op.Issuer, "client_id": "tokenmint", "mappings": ssoMappings}
		for k, v := range c.body {
			body[k] = v
		}
		r := e.admin.do("PUT", "/api/v1/sso", body)
		if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), c.want) {
			t.Errorf("%s: %d %s; want 400 mentioning %q", c.name, r.status, r.body, c.want)
		}
	}

	if r := e.admin.do("DELETE", "/api/v1/sso", nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if r := e.admin.do("GET", "/api/v1/sso", nil); r.status != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", r.status)
	}
	// Without a provider the sign-in page has no button and start says so.
	page := e.follow(newBrowser(), e.srv.URL+"/ui/login")
	if strings.Contains(page.body, "Sign in with") {
		t.Errorf("the sign-in page offers SSO without a provider")
	}
	if a := e.follow(newBrowser(), e.srv.URL+"/ui/sso/start"); a.status != http.StatusNotFound {
		t.Errorf("start without a provider: %d", a.status)
	}
	for _, a := range e.audits("sso.put") {
		if strings.Contains(a.Detail, ssoClientSecret) {
			t.Errorf("the audit trail holds the client secret: %q", a.Detail)
		}
	}
}

func TestSSOAdminPageValidatesAndKeepsTheSecret(t *testing.T) {
	e := newSSOEnv(t)
	page := uiDo(t, e.admin, "GET", "/ui/admin/sso", nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, e.srv.URL+"/ui/sso/callback") || strings.Contains(page.body, ssoClientSecret) {
		t.Fatalf("admin page: %d; want the redirect URI and never the secret: %.400s", page.status, page.body)
	}
	form := url.Values{"csrf_token": {e.admin.csrf}, "name": {"Acme"}, "issuer_url": {e.op.Issuer}, "client_id": {"tokenmint"},
		"mappings": {"tm-admins=admin\nnot a mapping"}, "local_passwords": {"enabled"}}
	r := uiDo(t, e.admin, "POST", "/ui/admin/sso", form)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "write GROUP=ROLE") || !strings.Contains(r.body, "not a mapping") {
		t.Fatalf("bad mapping line: %d: %.600s", r.status, r.body)
	}
	form.Set("mappings", "tm-admins=admin\ntm-members=member\napp1-dev=app1:member")
	if r := uiDo(t, e.admin, "POST", "/ui/admin/sso", form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d: %.600s", r.status, r.body)
	}
	// The secret field was empty: the stored secret stays, and the
	// provider (which checks it) still lets people in.
	e.op.AddUser(ssotest.User{ID: "sub-lu", Username: "lu", Groups: []string{"tm-members"}})
	if a := e.signIn("sub-lu"); a.path != "/ui/tokens" {
		t.Fatalf("sign-in after saving the form: %s: %.300s", a.path, a.body)
	}
	// A wrong secret typed in the form is used: the provider refuses it.
	form.Set("client_secret", "not-the-secret")
	if r := uiDo(t, e.admin, "POST", "/ui/admin/sso", form); r.status != http.StatusSeeOther {
		t.Fatalf("save with a secret: %d", r.status)
	}
	if a := e.signIn("sub-lu"); a.status != http.StatusUnauthorized || !strings.Contains(a.body, "refused the sign-in") {
		t.Fatalf("sign-in with a wrong client secret: %d at %s: %.300s", a.status, a.path, a.body)
	}
	if r := uiDo(t, e.admin, "POST", "/ui/admin/sso/delete", url.Values{"csrf_token": {e.admin.csrf}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if r := e.admin.do("GET", "/api/v1/sso", nil); r.status != http.StatusNotFound {
		t.Errorf("after the page's delete: %d", r.status)
	}
}

// The provider failing between start and callback is named as such.
func TestSSOProviderDownAtCallback(t *testing.T) {
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-ned", Username: "ned", Groups: []string{"tm-members"}})
	cb := e.callbackURL("sub-ned")
	e.op.SetDown(true)
	if a := e.withState(cb); a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "identity provider could not be reached") {
		t.Fatalf("callback with the provider down: %d: %s", a.status, a.body)
	}
}

// Each tenant has its own provider; a sign-in lands in the tenant it was
// started for, and the other tenant's provider is not offered there.
func TestSSOIsPerTenant(t *testing.T) {
	e := newSSOEnv(t)
	globex := e.tenantB()
	r := globex.do("PUT", "/api/v1/sso", map[string]any{
		"name": "Globex IdP", "issuer_url": e.op.Issuer, "client_id": "tokenmint", "client_secret": ssoClientSecret,
		"mappings": []map[string]string{{"group": "globex-staff", "role": "viewer"}},
	})
	if r.status != http.StatusOK {
		t.Fatalf("PUT /api/v1/sso in globex: %d %s", r.status, r.body)
	}
	if page := e.follow(newBrowser(), e.srv.URL+"/ui/login?tenant=globex"); !strings.Contains(page.body, "Sign in with Globex IdP") || !strings.Contains(page.body, "tenant=globex") {
		t.Fatalf("globex's sign-in page lacks its button: %s", page.body)
	}
	e.op.AddUser(ssotest.User{ID: "sub-olga", Username: "olga", Groups: []string{"globex-staff", "tm-admins"}})
	e.op.LoginAs("sub-olga")
	a := e.follow(newBrowser(), e.srv.URL+"/ui/sso/start?tenant=globex")
	if a.client == nil {
		t.Fatalf("sign-in to globex ended at %s: %s", a.path, a.body)
	}
	me := a.client.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)
	if me["username"] != "olga" {
		t.Errorf("signed in as %v; want olga", me)
	}
	if r := globex.do("GET", "/api/v1/users?limit=100", nil); !strings.Contains(string(r.body), `"olga"`) {
		t.Errorf("olga is no user of globex: %s", r.body)
	}
	// globex maps tm-admins to nothing: olga is a viewer there, and has
	// no account in the default tenant.
	if roles := me["roles"].([]any); len(roles) != 1 || roles[0] != "viewer" {
		t.Errorf("olga's roles in globex: %v; want [viewer]", roles)
	}
	if r := e.admin.do("GET", "/api/v1/users?limit=100", nil); strings.Contains(string(r.body), "olga") {
		t.Errorf("a globex sign-in created a user in the default tenant")
	}
}
