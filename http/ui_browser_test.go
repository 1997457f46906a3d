package http_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestUIBrowser drives the web UI in headless Chromium through the flows of
// a token's life, then the administration rules. One browser serves every
// subtest; each user has a tab in a browser context of its own. The fake
// clock of the harness stands at 2026-01-05 09:00 UTC.
func TestUIBrowser(t *testing.T) {
	bctx := startBrowser(t)
	e := newEnv(t)
	aliceAPI, _ := e.createUser("alice", "member")
	e.createUser("victor", "viewer")
	// A token alice made through the API, to check what the admin may see.
	_, _, apiTokenID := aliceAPI.createToken(map[string]any{
		"type": "CIToken", "name": "nightly-deploy", "description": "deploys to the secret staging cluster",
	})

	alice := newTab(t, bctx, e.srv.URL)
	var plain, encoded, tokenID string

	t.Run("login", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/login")
		// A wrong password is answered on the form, not with JSON.
		alice.do("fill login", chromedp.SendKeys(chromedp.ID("username"), "alice", chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.ID("password"), "wrong-password"))
		if st := alice.click("login"); st != 401 {
			t.Errorf("wrong password: status %d, want 401", st)
		}
		if msg := alice.text("#form-error"); !strings.Contains(msg, "Invalid username or password") {
			t.Errorf("wrong password message %q", msg)
		}
		alice.screenshot("login")
		alice.login("alice", "alice-password")
		if h := alice.text("h1"); h != "Token Management" {
			t.Fatalf("after login the page is %q", h)
		}
	})

	t.Run("create CIToken with a shorter expiry and copy it", func(t *testing.T) {
		alice.t = t
		alice.click("new-token")
		// Choosing the type shows its description and limits and sets the
		// picker to the type's latest date: CIToken allows 365 days.
		alice.do("choose CIToken", chromedp.Click(chromedp.ID("type-CIToken"), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.ID("type-info-CIToken")))
		if info := alice.text("#type-info-CIToken"); !strings.Contains(info, "For CI/CD pipelines") || !strings.Contains(info, "2027-01-05") {
			t.Errorf("CIToken panel shows %q", info)
		}
		if v, max := alice.value("#expires_on"), eval[string](alice, `document.getElementById("expires_on").max`); v != "2027-01-05" || max != "2027-01-05" {
			t.Errorf("expiry picker value %q max %q, want the type's maximum 2027-01-05", v, max)
		}
		if eval[bool](alice, `!document.getElementById("no-expiry-row").hidden`) {
			t.Error(`"no expiration" is offered for CIToken, which does not allow it`)
		}
		if eval[bool](alice, `!document.getElementById("type-info-UserToken").hidden`) {
			t.Error("the UserToken panel is still shown after choosing CIToken")
		}
		alice.do("fill the form",
			chromedp.SendKeys(chromedp.ID("name"), "pipeline-ui"),
			chromedp.SetValue(chromedp.ID("expires_on"), "2026-02-04"),
			chromedp.SendKeys(chromedp.ID("description"), "build bot <b>for</b> the UI test"),
		)
		alice.screenshot("create-token")
		if st := alice.click("save-token"); st != 201 {
			t.Fatalf("save: status %d", st)
		}
		if w := alice.text("#once-warning"); !strings.Contains(w, "will not be shown again") {
			t.Errorf("warning %q", w)
		}
		plain, encoded = alice.value("#token-plain"), alice.value("#token-encoded")
		mustf(t, strings.HasPrefix(plain, "tmu_") && len(plain) == 40, "token on the page: %q", plain)

		// The copy button puts the token on the clipboard.
		alice.do("copy", chromedp.Click(chromedp.ID("copy-plain"), chromedp.NodeVisible))
		runT(alice, "wait for copied", chromedp.Poll[bool](`document.getElementById("token-plain-status").textContent === "Copied"`, chromedp.WithPollingTimeout(stepTimeout)))
		clip := eval[string](alice, `navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)
		if clip != plain {
			t.Errorf("clipboard holds %q, want the token", clip)
		}
		alice.screenshot("token-created")

		// Both forms shown on the page verify.
		for _, tok := range []string{plain, encoded} {
			r := e.verify("Bearer "+tok, "?permission=results:upload")
			if r.status != 200 {
				t.Fatalf("verify the token from the page: %d %s", r.status, r.body)
			}
			m := r.json(t)
			tokenID, _ = m["token_id"].(string)
			if m["type"] != "CIToken" || m["expires_at"] != "2026-02-04T09:00:00Z" {
				t.Errorf("verify answer %v, want CIToken expiring 2026-02-04T09:00:00Z", m)
			}
		}

		// Close returns to the list, which shows the new token.
		alice.click("close-secret")
		row := `#token-table tr[data-token-id="` + tokenID + `"]`
		if txt := alice.text(row); !strings.Contains(txt, "pipeline-ui") || !strings.Contains(txt, "active") || !strings.Contains(txt, "2026-02-04") {
			t.Errorf("list row: %q", txt)
		}
		// The page cannot be reloaded to see the secret again: the list,
		// the token page and history hold no secret.
		if body := eval[string](alice, `document.documentElement.outerHTML`); strings.Contains(body, plain[4:]) {
			t.Error("the list page contains the secret")
		}
	})

	t.Run("filters", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens")
		alice.do("filter", chromedp.SetValue(chromedp.ID("filter-type"), "UserToken"))
		alice.click("apply-filters")
		if n := eval[int](alice, `document.querySelectorAll("#token-table tr[data-token-id]").length`); n != 0 {
			t.Errorf("type=UserToken shows %d rows, want 0", n)
		}
		alice.open("/ui/tokens?type=CIToken&status=active")
		if n := eval[int](alice, `document.querySelectorAll("#token-table tr[data-token-id]").length`); n != 2 {
			t.Errorf("type=CIToken status=active shows %d rows, want 2", n)
		}
	})

	t.Run("create a token without expiry", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens/new")
		// UserToken allows no expiry and defaults to it: the box is ticked
		// and the date picker is off.
		alice.do("choose UserToken", chromedp.Click(chromedp.ID("type-UserToken"), chromedp.NodeVisible))
		if !eval[bool](alice, `document.getElementById("no_expiry").checked && document.getElementById("expires_on").disabled`) {
			t.Error(`UserToken does not default to "no expiration"`)
		}
		alice.do("name", chromedp.SendKeys(chromedp.ID("name"), "forever"))
		if st := alice.click("save-token"); st != 201 {
			t.Fatalf("save: %d", st)
		}
		r := e.verify("Bearer "+alice.value("#token-plain"), "")
		if r.status != 200 || r.json(t)["expires_at"] != nil || r.header.Get("X-Token-Expiration") != "" {
			t.Errorf("a no-expiry token verifies as %d %s (X-Token-Expiration %q)", r.status, r.body, r.header.Get("X-Token-Expiration"))
		}
		alice.click("close-secret")
		if exp := alice.text(`#token-table tr[data-token-name="forever"] td[data-label="Expires"]`); exp != "never" {
			t.Errorf("the no-expiry token's Expires cell: %q", exp)
		}
	})

	t.Run("create a token with the keyboard only", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens/new")
		// Tab from the top of the page to the type list (one tab stop),
		// choose the next type with the arrow key, Tab to the name, type it
		// and press Enter.
		for i := 0; i < 12 && !eval[bool](alice, `document.activeElement.name === "type"`); i++ {
			alice.do("tab", chromedp.KeyEvent(kb.Tab))
		}
		first := eval[string](alice, `document.activeElement.id`)
		mustf(t, first != "", "Tab never reached the type list")
		alice.do("arrow down", chromedp.KeyEvent(kb.ArrowDown))
		chosen := eval[string](alice, `document.querySelector("input[name=type]:checked").value`)
		if "type-"+chosen == first {
			t.Fatalf("the arrow key did not choose another type (still %s)", chosen)
		}
		if eval[bool](alice, `document.getElementById("type-info-`+chosen+`").hidden`) {
			t.Errorf("the panel of %s is not shown after choosing it with the keyboard", chosen)
		}
		alice.do("tab to name", chromedp.KeyEvent(kb.Tab))
		if f := eval[string](alice, `document.activeElement.id`); f != "name" {
			t.Fatalf("after the type list, Tab went to %q, want the name field", f)
		}
		if st := alice.load("type the name and press Enter", chromedp.KeyEvent("by-keyboard"+kb.Enter)); st != 201 {
			t.Fatalf("keyboard submit: %d (page %s)", st, alice.location())
		}
		if r := e.verify("Bearer "+alice.value("#token-plain"), ""); r.status != 200 || r.json(t)["type"] != chosen {
			t.Errorf("the keyboard-made token verifies as %d %s, want type %s", r.status, r.body, chosen)
		}
		alice.click("close-secret")
	})

	t.Run("extend", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens/" + tokenID)
		// Beyond the type's limit (the page's picker would not allow it;
		// the server must refuse it too): the error is next to the field.
		alice.do("pick a date past the limit",
			chromedp.RemoveAttribute(chromedp.ID("expires_on"), "max"),
			chromedp.SetValue(chromedp.ID("expires_on"), "2027-06-01"))
		if st := alice.click("extend-token"); st != 400 {
			t.Errorf("extend past the maximum: status %d, want 400", st)
		}
		if msg := alice.text("#expires_on-error"); !strings.Contains(msg, "maximum of 365 days") {
			t.Errorf("field error %q", msg)
		}
		if inv := eval[string](alice, `document.getElementById("expires_on").getAttribute("aria-describedby")`); inv != "expires_on-error" {
			t.Errorf("date field aria-describedby %q", inv)
		}
		if f := eval[string](alice, `document.activeElement.id`); f != "expires_on" {
			t.Errorf("after the refused form the focus is on %q, want the date field", f)
		}
		alice.do("pick 2026-06-01", chromedp.SetValue(chromedp.ID("expires_on"), "2026-06-01"))
		if st := alice.click("extend-token"); st != 200 {
			t.Fatalf("extend: status %d", st)
		}
		if f := alice.text("#flash"); !strings.Contains(f, "2026-06-01") {
			t.Errorf("flash %q", f)
		}
		r := e.verify("Bearer "+plain, "")
		mustf(t, r.status == 200, "verify after extend: %d", r.status)
		if exp := r.json(t)["expires_at"]; exp != "2026-06-01T09:00:00Z" {
			t.Errorf("expires_at after extend = %v", exp)
		}
	})

	t.Run("deactivate and reactivate", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens/" + tokenID)
		alice.click("deactivate-token")
		mustf(t, alice.text("#token-status") == "inactive", "status after deactivate: %q", alice.text("#token-status"))
		if r := e.verify("Bearer "+plain, ""); r.status != 401 {
			t.Errorf("verify of a deactivated token: %d, want 401", r.status)
		}
		alice.screenshot("token-details")
		alice.click("activate-token")
		mustf(t, alice.text("#token-status") == "active", "status after activate: %q", alice.text("#token-status"))
		if r := e.verify("Bearer "+plain, ""); r.status != 200 {
			t.Errorf("verify of a reactivated token: %d, want 200", r.status)
		}
	})

	t.Run("usage and IP blocking", func(t *testing.T) {
		alice.t = t
		// The verifications above came from this test, at 127.0.0.1; usage
		// is buffered, so write it out before looking.
		if err := e.svc.Usage().Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		alice.open("/ui/tokens/" + tokenID)
		row := `#usage-table tr[data-ip="127.0.0.1"]`
		txt := alice.text(row)
		if !strings.Contains(txt, "2026-01-05 09:00 UTC") || !strings.Contains(txt, "allowed") {
			t.Errorf("usage row: %q", txt)
		}
		if n := eval[int](alice, `+document.querySelector('`+row+` td[data-label="Requests"]').textContent`); n < 4 {
			t.Errorf("usage count %d, want at least the 4 successful verifications", n)
		}
		alice.screenshot("token-usage")
		alice.load("block 127.0.0.1", chromedp.Click(chromedp.CSS(row+" button"), chromedp.NodeVisible))
		if f := alice.text("#flash"); !strings.Contains(f, "Blocked 127.0.0.1") {
			t.Errorf("flash %q", f)
		}
		if r := e.verify("Bearer "+plain, ""); r.status != 403 {
			t.Errorf("verify from a blocked IP: %d, want 403", r.status)
		}
		if txt := alice.text("#blocked-list"); !strings.Contains(txt, "127.0.0.1") {
			t.Errorf("blocked list %q", txt)
		}
		// A malformed IP is refused next to the field.
		alice.do("bad ip", chromedp.SendKeys(chromedp.ID("block-ip"), "300.1.2.3"))
		if st := alice.click("block-ip-submit"); st != 400 {
			t.Errorf("blocking a malformed IP: %d, want 400", st)
		}
		if msg := alice.text("#ip-error"); !strings.Contains(msg, "not an IPv4 or IPv6") {
			t.Errorf("ip field error %q", msg)
		}
		alice.open("/ui/tokens/" + tokenID)
		alice.load("unblock", chromedp.Click(chromedp.CSS(row+" button"), chromedp.NodeVisible))
		if r := e.verify("Bearer "+plain, ""); r.status != 200 {
			t.Errorf("verify after unblocking: %d, want 200", r.status)
		}
	})

	t.Run("rotate", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens/" + tokenID)
		alice.do("no grace", chromedp.SetValue(chromedp.ID("grace_seconds"), "0"))
		if st := alice.click("rotate-token"); st != 200 {
			t.Fatalf("rotate: status %d", st)
		}
		newPlain := alice.value("#token-plain")
		mustf(t, newPlain != plain && strings.HasPrefix(newPlain, "tmu_"), "rotated secret %q", newPlain)
		if r := e.verify("Bearer "+newPlain, ""); r.status != 200 {
			t.Errorf("verify the rotated secret: %d", r.status)
		}
		if r := e.verify("Bearer "+plain, ""); r.status != 401 {
			t.Errorf("verify the old secret after rotation without grace: %d, want 401", r.status)
		}
		plain = newPlain
		alice.click("close-secret")
	})

	t.Run("revoke", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens/" + tokenID)
		alice.click("revoke-token")
		// The confirmation page changes nothing by itself.
		if r := e.verify("Bearer "+plain, ""); r.status != 200 {
			t.Fatalf("verify while confirming: %d", r.status)
		}
		alice.screenshot("revoke-confirm")
		alice.click("confirm-revoke")
		mustf(t, alice.text("#token-status") == "revoked", "status after revoke: %q", alice.text("#token-status"))
		if r := e.verify("Bearer "+plain, ""); r.status != 401 {
			t.Errorf("verify of a revoked token: %d, want 401", r.status)
		}
		alice.open("/ui/tokens")
		alice.screenshot("tokens")
		alice.open("/ui/tokens?status=revoked")
		if txt := alice.text("#token-table tbody"); !strings.Contains(txt, "pipeline-ui") {
			t.Errorf("revoked list: %q", txt)
		}
	})

	t.Run("narrow window", func(t *testing.T) {
		alice.t = t
		alice.do("narrow", chromedp.EmulateViewport(390, 844))
		alice.open("/ui/tokens")
		if over := eval[bool](alice, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
			t.Error("the token list scrolls sideways in a 390 px window")
		}
		alice.screenshot("tokens-narrow")
		for _, p := range []string{"/ui/tokens/new", "/ui/tokens/" + tokenID} {
			alice.open(p)
			if over := eval[bool](alice, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
				t.Errorf("%s scrolls sideways in a 390 px window", p)
			}
		}
		alice.do("wide again", chromedp.ResetViewport())
	})

	t.Run("viewer gets no administration", func(t *testing.T) {
		victor := newTab(t, bctx, e.srv.URL)
		victor.login("victor", "victor-password")
		if eval[bool](victor, `document.getElementById("nav-admin") !== null`) {
			t.Error("a viewer sees the Administration link")
		}
		for _, p := range []string{"/ui/admin/tokens", "/ui/admin/users", "/ui/admin/projects"} {
			if st := victor.open(p); st != 403 {
				t.Errorf("viewer GET %s: %d, want 403", p, st)
			}
			if h := victor.text("h1"); h != "Forbidden" {
				t.Errorf("viewer %s heading %q", p, h)
			}
		}
		victor.screenshot("forbidden")
		// Nor can a viewer open another user's token.
		if st := victor.open("/ui/tokens/" + apiTokenID); st != 404 {
			t.Errorf("viewer opening alice's token: %d, want 404", st)
		}
		victor.assertOnlyLocalRequests()
	})

	t.Run("admin sees others' tokens without description", func(t *testing.T) {
		admin := newTab(t, bctx, e.srv.URL)
		admin.login("admin", adminPassword)
		admin.click("nav-admin")
		row := `#token-table tr[data-token-id="` + apiTokenID + `"]`
		txt := admin.text(row)
		if !strings.Contains(txt, "nightly-deploy") || !strings.Contains(txt, "alice") || !strings.Contains(txt, "CIToken") || !strings.Contains(txt, "active") {
			t.Errorf("admin list row: %q", txt)
		}
		admin.screenshot("admin-tokens")
		admin.open("/ui/tokens/" + apiTokenID)
		html := eval[string](admin, `document.documentElement.outerHTML`)
		if strings.Contains(html, "secret staging cluster") {
			t.Error("the admin sees the description of alice's token")
		}
		if d := admin.text("#token-description"); !strings.Contains(d, "only the owner") {
			t.Errorf("description cell for the admin: %q", d)
		}
		if eval[bool](admin, `document.getElementById("usage-table") !== null`) {
			t.Error("the admin sees the usage of alice's token")
		}
		if eval[bool](admin, `document.getElementById("rotate-token") !== null`) {
			t.Error("the admin is offered to rotate alice's token (the secret would be shown to them)")
		}
		// The admin extends and deactivates it.
		admin.do("extend", chromedp.SetValue(chromedp.ID("expires_on"), "2026-03-01"))
		admin.click("extend-token")
		if f := admin.text("#flash"); !strings.Contains(f, "2026-03-01") {
			t.Errorf("admin extend flash %q", f)
		}
		admin.open("/ui/admin/tokens")
		admin.load("deactivate from the list", chromedp.Click(chromedp.CSS(row+" button"), chromedp.NodeVisible))
		if st := admin.text(row + " .status"); st != "inactive" {
			t.Errorf("after the admin's deactivate: %q", st)
		}
		got := aliceAPI.do("GET", "/api/v1/tokens/"+apiTokenID, nil)
		var tok struct {
			ExpiresAt string `json:"expires_at"`
			Status    string `json:"status"`
		}
		_ = json.Unmarshal(got.body, &tok)
		if !strings.HasPrefix(tok.ExpiresAt, "2026-03-01") || tok.Status != "inactive" {
			t.Errorf("alice's token after the admin's changes: %s", got.body)
		}
		admin.assertOnlyLocalRequests()
	})

	t.Run("admin users and projects", func(t *testing.T) { browseAdminUsersAndProjects(t, e, bctx, alice) })

	t.Run("admin applications, policy, webhooks and audit", func(t *testing.T) {
		browseAdminApplicationsPolicyWebhooksAudit(t, e, bctx, alice, aliceAPI)
	})

	t.Run("logout", func(t *testing.T) {
		alice.t = t
		alice.open("/ui/tokens")
		alice.click("logout")
		if loc := alice.location(); !strings.HasSuffix(loc, "/ui/login") {
			t.Errorf("after sign out: %s", loc)
		}
		if f := alice.text("#flash"); !strings.Contains(f, "signed out") {
			t.Errorf("sign-out flash %q", f)
		}
		alice.open("/ui/tokens")
		if loc := alice.location(); !strings.Contains(loc, "/ui/login") {
			t.Errorf("after sign out /ui/tokens shows %s", loc)
		}
		alice.assertOnlyLocalRequests()
	})
}
