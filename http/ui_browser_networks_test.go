package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIBrowserBoundNetworks creates a token bound to networks through the
// Create Token form in headless Chromium (a bad network first, answered on
// the field), sees it listed with its networks, and narrows them on the
// token's page, which refuses the token at once. The harness has no
// trusted proxy, so the browser's and this test's client IP is 127.0.0.1.
func TestUIBrowserBoundNetworks(t *testing.T) {
	bctx := startBrowser(t)
	e := newEnv(t)
	e.createUser("nina", "member")
	nina := newTab(t, bctx, e.srv.URL)
	nina.login("nina", "nina-password")
	tokens, audits := e.counts()

	nina.open("/ui/tokens/new")
	nina.do("fill the form with a bad network",
		chromedp.Click(chromedp.ID("type-CIToken"), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("name"), "bound-ui"),
		chromedp.SendKeys(chromedp.ID("allowed_cidrs"), "127.0.0.1\n10.0.0.0/33"),
	)
	if st := nina.click("save-token"); st != http.StatusBadRequest {
		t.Fatalf("a bad network: status %d, want 400", st)
	}
	if msg := nina.text("#allowed_cidrs-error"); !strings.Contains(msg, "10.0.0.0/33") {
		t.Errorf("field error %q, want it to name the bad network", msg)
	}
	if v := nina.value("#allowed_cidrs"); !strings.Contains(v, "10.0.0.0/33") {
		t.Errorf("the form lost what was typed: %q", v)
	}
	if tk, au := e.counts(); tk != tokens || au != audits {
		t.Fatalf("the refused form changed tokens %d→%d, audit %d→%d", tokens, tk, audits, au)
	}
	nina.do("correct the networks",
		chromedp.Click(chromedp.ID("type-CIToken"), chromedp.NodeVisible),
		chromedp.SetValue(chromedp.ID("allowed_cidrs"), "127.0.0.1, 2001:db8::/32"),
	)
	if st := nina.click("save-token"); st != http.StatusCreated {
		t.Fatalf("save: status %d", st)
	}
	nina.screenshot("bound-token-created")
	if got := nina.text("#secret-networks"); got != "127.0.0.1/32, 2001:db8::/32" {
		t.Errorf("new token page shows networks %q", got)
	}
	plain := nina.value("#token-plain")
	r := e.verify("Bearer "+plain, "?permission=results:upload")
	if r.status != http.StatusOK {
		t.Fatalf("verify from 127.0.0.1: %d %s", r.status, r.body)
	}
	id := r.json(t)["token_id"].(string)

	nina.click("close-secret")
	if txt := nina.text(`#token-table tr[data-token-id="` + id + `"]`); !strings.Contains(txt, "bound-ui") {
		t.Errorf("list row: %q", txt)
	}
	nina.open("/ui/tokens/" + id)
	if got := nina.text("#token-networks"); got != "127.0.0.1/32, 2001:db8::/32" {
		t.Errorf("token page shows networks %q", got)
	}
	nina.do("narrow the networks", chromedp.SetValue(chromedp.ID("allowed_cidrs"), "192.0.2.0/24"))
	if st := nina.click("save-networks"); st != http.StatusOK {
		t.Fatalf("save networks: status %d", st)
	}
	if f := nina.text("#flash"); !strings.Contains(f, "192.0.2.0/24") {
		t.Errorf("flash %q", f)
	}
	if got := nina.text("#token-networks"); got != "192.0.2.0/24" {
		t.Errorf("after narrowing the page shows %q", got)
	}
	nina.screenshot("bound-token-narrowed")
	if r := e.verify("Bearer "+plain, "?permission=results:upload"); r.status != http.StatusForbidden {
		t.Errorf("verify from 127.0.0.1 after narrowing: %d %s, want 403", r.status, r.body)
	}

	// "Create a token like this" and a prefilled link carry networks.
	nina.open("/ui/tokens/new?like=" + id)
	if v := nina.value("#allowed_cidrs"); v != "192.0.2.0/24" {
		t.Errorf("the like-form's networks %q, want the token's", v)
	}
	nina.open("/ui/tokens/new?type=CIToken&allowed_cidrs=10.0.0.0/8,2001:db8::1")
	if v := nina.value("#allowed_cidrs"); v != "10.0.0.0/8\n2001:db8::1/128" {
		t.Errorf("a prefilled link's networks %q", v)
	}
	nina.open("/ui/tokens/new?type=CIToken&allowed_cidrs=10.0.0.0/99")
	if msg := nina.text("#allowed_cidrs-error"); !strings.Contains(msg, "10.0.0.0/99") {
		t.Errorf("a prefilled link's bad network: field error %q", msg)
	}

	// An application with default networks, set on its form: a token made
	// on its page without networks of its own gets them.
	admin := newTab(t, bctx, e.srv.URL)
	admin.login("admin", adminPassword)
	admin.open("/ui/admin/applications")
	admin.do("new application", chromedp.SendKeys(chromedp.ID("app-name"), "runner", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("app-default-cidrs"), "192.0.2.300"))
	if st := admin.click("create-app"); st != http.StatusBadRequest {
		t.Fatalf("application with a bad default network: %d, want 400", st)
	}
	if msg := admin.text("#default_allowed_cidrs-error"); !strings.Contains(msg, "192.0.2.300") {
		t.Errorf("default networks field error %q", msg)
	}
	admin.do("fix the default", chromedp.SetValue(chromedp.ID("app-default-cidrs"), "127.0.0.0/8"))
	admin.click("create-app")
	if h := admin.text("h1"); h != "Application runner" {
		t.Fatalf("after creating the application: %q", h)
	}
	if v := admin.value("#app-default-cidrs"); v != "127.0.0.0/8" {
		t.Errorf("application page shows default %q", v)
	}
	admin.do("app token", chromedp.SendKeys(chromedp.ID("token-name"), "runner-1"))
	if st := admin.click("create-app-token"); st != http.StatusCreated {
		t.Fatalf("create application token: %d", st)
	}
	if got := admin.text("#secret-networks"); got != "127.0.0.0/8" {
		t.Errorf("application token's networks %q, want the default", got)
	}
	if r := e.verify("Bearer "+admin.value("#token-plain"), ""); r.status != http.StatusOK {
		t.Errorf("application token from 127.0.0.1: %d %s", r.status, r.body)
	}
}
