package http_test

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tokenmint/sso/ssotest"
)

// TestUIBrowserSSO signs in through the tenant's identity provider in
// headless Chromium: the sign-in page offers "Sign in with <provider>",
// the button goes through the real provider and lands on the token list
// signed in; the administrator sets the provider on its page.
func TestUIBrowserSSO(t *testing.T) {
	bctx := startBrowser(t)
	e := newSSOEnv(t)
	e.op.AddUser(ssotest.User{ID: "sub-nora", Username: "nora", Email: "nora@acme.example", Groups: []string{"tm-members", "app1-dev"}})
	e.op.LoginAs("sub-nora")

	nora := newTab(t, bctx, e.srv.URL)
	t.Run("sign in with the provider", func(t *testing.T) {
		nora.t = t
		nora.open("/ui/tokens")
		if b := nora.text("#sso-login"); b != "Sign in with Acme IdP" {
			t.Fatalf("sign-in button reads %q", b)
		}
		png := runT(nora, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile("../docs/screenshot-sso.png", png, 0o644); err != nil {
			t.Fatal(err)
		}
		if st := nora.click("sso-login"); st != 200 {
			t.Fatalf("after the provider: status %d at %s", st, nora.location())
		}
		if loc := nora.location(); !strings.HasPrefix(loc, e.srv.URL+"/ui/tokens") {
			t.Fatalf("signed in at %s, want the token list (where the visit was heading)", loc)
		}
		if h := nora.text("h1"); h != "Token Management" {
			t.Fatalf("after sign-in the page is %q", h)
		}
		if who := nora.text("#whoami"); who != "nora" {
			t.Errorf("signed in as %q, want nora", who)
		}
		nora.screenshot("sso-signed-in")
	})

	admin := newTab(t, bctx, e.srv.URL)
	t.Run("the administrator changes the provider", func(t *testing.T) {
		admin.t = t
		admin.login("admin", adminPassword)
		admin.open("/ui/admin/sso")
		if uri := admin.text("#redirect-uri"); uri != e.srv.URL+"/ui/sso/callback" {
			t.Errorf("redirect URI shown: %q", uri)
		}
		if v := admin.value("#issuer_url"); v != e.op.Issuer {
			t.Errorf("issuer field: %q", v)
		}
		if v := admin.value("#mappings"); !strings.Contains(v, "app1-dev=app1:member") || !strings.Contains(v, "tm-admins=admin") {
			t.Errorf("mapping field: %q", v)
		}
		if v := admin.value("#client_secret"); v != "" {
			t.Errorf("the secret field is filled: %q", v)
		}
		admin.screenshot("admin-sso")
		admin.do("rename", chromedp.SetValue(chromedp.ID("name"), "Acme Login"))
		if st := admin.click("save-sso"); st != 200 {
			t.Fatalf("save: status %d", st)
		}
		if v := admin.value("#name"); v != "Acme Login" {
			t.Errorf("after saving the name reads %q", v)
		}
		// The secret was kept: sign-in still passes the provider.
		other := newTab(t, bctx, e.srv.URL)
		other.open("/ui/login")
		if b := other.text("#sso-login"); b != "Sign in with Acme Login" {
			t.Fatalf("sign-in button after the change reads %q", b)
		}
		if st := other.click("sso-login"); st != 200 || other.text("#whoami") != "nora" {
			t.Fatalf("sign-in after the change: status %d at %s", st, other.location())
		}
	})
}
