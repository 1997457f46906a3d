package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// "Create a token like this" in a real browser: a revoked token stays
// listed with its details, its page opens Create Token prefilled (cut to
// the tenant's lower maximum meanwhile, and saying so), and saving shows
// the new token once.
func TestUIBrowserRecreate(t *testing.T) {
	bctx := startBrowser(t)
	e := newEnv(t)
	aliceAPI, _ := e.createUser("alice", "member")
	_, _, oldID := aliceAPI.createToken(map[string]any{"type": "CIToken", "name": "deploy-bot", "description": "ships <b>releases</b>", "days_to_live": 200})
	alice := newTab(t, bctx, e.srv.URL)
	alice.login("alice", "alice-password")

	// Revoke it on its page.
	alice.open("/ui/tokens/" + oldID)
	alice.click("revoke-token")
	alice.click("confirm-revoke")
	// The tenant's maximum lifetime is lowered meanwhile.
	if r := e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_lifetime_days": 60}); r.status != http.StatusOK {
		t.Fatalf("policy: %d %s", r.status, r.body)
	}

	alice.open("/ui/tokens")
	row := `#token-table tr[data-token-id="` + oldID + `"]`
	if txt := alice.text(row); !strings.Contains(txt, "deploy-bot") || !strings.Contains(txt, "revoked") || !strings.Contains(txt, "CIToken") || !strings.Contains(txt, "Create a token like this") {
		t.Fatalf("the revoked token's row: %q", txt)
	}
	alice.open("/ui/tokens/" + oldID)
	if facts := alice.text("#token-facts"); !strings.Contains(facts, "revoked") || !strings.Contains(facts, "ships <b>releases</b>") || !strings.Contains(facts, "results:upload") {
		t.Fatalf("the revoked token's page: %q", facts)
	}
	alice.click("recreate-token")
	mustf(t, strings.Contains(alice.location(), "/ui/tokens/new?like="+oldID), "the button went to %s", alice.location())
	if src := alice.text("#like-source"); !strings.Contains(src, "deploy-bot") {
		t.Errorf("like source: %q", src)
	}
	if adj := alice.text("#like-adjustments"); !strings.Contains(adj, "expiry cut to 60 days by the tenant's policy") {
		t.Errorf("adjustments: %q", adj)
	}
	want := e.clock.Now().AddDate(0, 0, 60).Format("2006-01-02")
	if !eval[bool](alice, `document.getElementById("type-CIToken").checked`) || alice.value("#name") != "deploy-bot" ||
		alice.value("#description") != "ships <b>releases</b>" || alice.value("#expires_on") != want {
		t.Errorf("prefilled form: name %q description %q expires %q (want %s)", alice.value("#name"), alice.value("#description"), alice.value("#expires_on"), want)
	}
	alice.screenshot("token-recreate")
	tokens, _ := e.counts()
	if st := alice.click("save-token"); st != http.StatusCreated {
		t.Fatalf("save: status %d", st)
	}
	plain := alice.value("#token-plain")
	mustf(t, strings.HasPrefix(plain, "tmu_"), "token on the page: %q", plain)
	if n, _ := e.counts(); n != tokens+1 {
		t.Fatalf("saving created %d tokens, want 1", n-tokens)
	}
	r := e.verify("Bearer "+plain, "?permission=results:upload")
	if r.status != http.StatusOK {
		t.Fatalf("verify the new token: %d %s", r.status, r.body)
	}
	m := r.json(t)
	newID := m["token_id"].(string)
	if m["type"] != "CIToken" || m["expires_at"] != e.clock.Now().AddDate(0, 0, 60).Format("2006-01-02T15:04:05Z") {
		t.Errorf("the new token: %v", m)
	}
	alice.click("close-secret")
	if txt := alice.text(`#token-table tr[data-token-id="` + newID + `"]`); !strings.Contains(txt, "deploy-bot") || !strings.Contains(txt, "active") {
		t.Errorf("the new token's row: %q", txt)
	}
	if txt := alice.text(row); !strings.Contains(txt, "revoked") {
		t.Errorf("the old token's row after: %q", txt)
	}
	if body := eval[string](alice, `document.documentElement.outerHTML`); strings.Contains(body, plain[4:]) {
		t.Error("the list shows the secret again")
	}
}

// A prefilled creation link with bad values opens the form with the good
// values kept and a message for each bad one; nothing is reflected
// unescaped and nothing is created.
func TestUIBrowserPrefilledLink(t *testing.T) {
	bctx := startBrowser(t)
	e := newEnv(t)
	e.createUser("alice", "member")
	alice := newTab(t, bctx, e.srv.URL)
	alice.login("alice", "alice-password")
	tokens, _ := e.counts()

	const xss = `"><img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`
	q := url.Values{
		"type": {xss}, "name": {"bad\u0007" + xss}, "project": {xss}, "days": {xss}, "description": {xss},
	}
	if st := alice.open("/ui/tokens/new?" + q.Encode()); st != http.StatusOK {
		t.Fatalf("bad link: status %d", st)
	}
	if msg := alice.text("#form-error"); !strings.Contains(msg, "could not be used") || !strings.Contains(msg, "Nothing has been created") {
		t.Errorf("form error: %q", msg)
	}
	for field, want := range map[string]string{
		"type": "You may not create tokens of type", "name": "control characters", "project": "is not one you may create this token for",
		"expires_on": "whole number",
	} {
		if msg := alice.text("#" + field + "-error"); !strings.Contains(msg, want) {
			t.Errorf("%s message %q, want it to say %q", field, msg, want)
		}
	}
	// The valid description is kept, as text.
	if v := alice.value("#description"); v != xss {
		t.Errorf("description %q", v)
	}
	if eval[bool](alice, `window.__xss !== undefined || document.querySelector("img[src=x]") !== null`) {
		t.Fatal("a parameter of the link was reflected as markup")
	}
	alice.screenshot("token-prefill-errors")

	// Good values are all kept; days beyond the type's limit are refused.
	alice.open("/ui/tokens/new?type=ReportToken&name=weekly+report&days=10&description=for+the+board")
	if n := eval[int](alice, `document.querySelectorAll(".field-error").length`); n != 0 {
		t.Errorf("a good link shows %d field errors", n)
	}
	want := e.clock.Now().AddDate(0, 0, 10).Format("2006-01-02")
	if !eval[bool](alice, `document.getElementById("type-ReportToken").checked`) || alice.value("#name") != "weekly report" ||
		alice.value("#expires_on") != want || alice.value("#description") != "for the board" {
		t.Errorf("good link: name %q expires %q description %q", alice.value("#name"), alice.value("#expires_on"), alice.value("#description"))
	}
	alice.open("/ui/tokens/new?type=ReportToken&name=weekly&days=120")
	if msg := alice.text("#expires_on-error"); !strings.Contains(msg, "at most 90 days") {
		t.Errorf("days beyond the type's maximum: %q", msg)
	}
	if alice.value("#name") != "weekly" {
		t.Errorf("the good name was not kept beside a bad days value: %q", alice.value("#name"))
	}
	if n, _ := e.counts(); n != tokens {
		t.Fatalf("opening links created %d tokens", n-tokens)
	}
}
