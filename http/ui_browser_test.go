package http_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
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

	t.Run("admin users and projects", func(t *testing.T) {
		admin := newTab(t, bctx, e.srv.URL)
		admin.login("admin", adminPassword)
		admin.open("/ui/admin/users")
		// A refused password is shown next to the password field.
		admin.do("fill new user", chromedp.SendKeys(chromedp.ID("username"), "carol"),
			chromedp.SendKeys(chromedp.ID("password"), "short"))
		if st := admin.click("create-user"); st != 400 {
			t.Errorf("short password: %d, want 400", st)
		}
		if msg := admin.text("#password-error"); !strings.Contains(strings.ToLower(msg), "password") {
			t.Errorf("password field error %q", msg)
		}
		if v := admin.value("#username"); v != "carol" {
			t.Errorf("the form lost the username: %q", v)
		}
		admin.do("fix password", chromedp.SendKeys(chromedp.ID("password"), "carol-password-1"),
			chromedp.Click(chromedp.ID("role-viewer")))
		admin.click("create-user")
		if txt := admin.text(`#user-table tr[data-username="carol"]`); !strings.Contains(txt, "viewer") || !strings.Contains(txt, "enabled") {
			t.Errorf("carol's row: %q", txt)
		}
		admin.screenshot("admin-users")
		carol := e.login("carol", "carol-password-1")
		// Disable carol: her session stops working at once.
		admin.load("disable carol", chromedp.Click(chromedp.CSS(`#user-table tr[data-username="carol"] button`), chromedp.NodeVisible))
		if txt := admin.text(`#user-table tr[data-username="carol"]`); !strings.Contains(txt, "disabled") {
			t.Errorf("carol's row after disable: %q", txt)
		}
		if r := carol.do("GET", "/api/v1/auth/me", nil); r.status != 401 {
			t.Errorf("disabled carol's session: %d, want 401", r.status)
		}

		admin.open("/ui/admin/projects")
		admin.do("new project", chromedp.SendKeys(chromedp.ID("name"), "webshop"),
			chromedp.SendKeys(chromedp.ID("description"), "the shop front end"))
		admin.click("create-project")
		if h := admin.text("h1"); h != "Project webshop" {
			t.Fatalf("after creating the project: %q", h)
		}
		admin.do("add alice", chromedp.SetValue(chromedp.ID("member-user"), eval[string](admin, `[...document.querySelectorAll("#member-user option")].find(o => o.textContent === "alice").value`)),
			chromedp.SetValue(chromedp.ID("member-role"), "member"))
		admin.click("save-member")
		if txt := admin.text(`#member-table tr[data-member="alice"]`); !strings.Contains(txt, "member") {
			t.Errorf("alice's membership row: %q", txt)
		}
		admin.screenshot("admin-project")
		// alice can now create a project-scoped token for it in the UI.
		alice.t = t
		alice.open("/ui/tokens/new")
		alice.do("choose ProjectAnalysisToken", chromedp.Click(chromedp.ID("type-ProjectAnalysisToken"), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.ID("project")),
			chromedp.SendKeys(chromedp.ID("name"), "shop-analysis"))
		// Without a project the error is next to the project picker.
		if st := alice.click("save-token"); st != 400 {
			t.Errorf("project-scoped type without project: %d, want 400", st)
		}
		if msg := alice.text("#project-error"); !strings.Contains(msg, "project is required") {
			t.Errorf("project field error %q", msg)
		}
		webshopID := eval[string](alice, `[...document.querySelectorAll("#project option")].find(o => o.textContent === "webshop").value`)
		// A project picked for a project-scoped type does not stick to a
		// type chosen afterwards, which hides the picker.
		alice.do("pick webshop, then switch to CIToken", chromedp.SetValue(chromedp.ID("project"), webshopID),
			chromedp.Click(chromedp.ID("type-CIToken")), chromedp.SetValue(chromedp.ID("name"), "not-scoped"))
		if st := alice.click("save-token"); st != 201 {
			t.Fatalf("CIToken after switching: %d", st)
		}
		if r := e.verify("Bearer "+alice.value("#token-plain"), ""); r.status != 200 || r.json(t)["project"] != nil {
			t.Errorf("a CIToken made after picking a project for another type is scoped: %s", r.body)
		}
		alice.open("/ui/tokens/new")
		alice.do("choose ProjectAnalysisToken again", chromedp.Click(chromedp.ID("type-ProjectAnalysisToken"), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.ID("project")),
			chromedp.SendKeys(chromedp.ID("name"), "shop-analysis"),
			chromedp.SetValue(chromedp.ID("project"), webshopID))
		if st := alice.click("save-token"); st != 201 {
			t.Fatalf("project token: %d", st)
		}
		r := e.verify("Bearer "+alice.value("#token-plain"), "?permission=analysis:execute&project=webshop")
		if r.status != 200 || r.json(t)["project"] == nil {
			t.Errorf("verify the project token: %d %s", r.status, r.body)
		}
		admin.assertOnlyLocalRequests()
	})

	t.Run("admin applications, policy, webhooks and audit", func(t *testing.T) {
		admin := newTab(t, bctx, e.srv.URL)
		admin.login("admin", adminPassword)

		// Applications: create one, issue a credential (shown once) and
		// prove it gets an OAuth2 access token; revoke it, and it cannot.
		admin.open("/ui/admin/applications")
		admin.do("bad name", chromedp.SendKeys(chromedp.ID("app-name"), "ci runner!"))
		if st := admin.click("create-app"); st != 400 {
			t.Errorf("application with a bad name: %d, want 400", st)
		}
		if msg := admin.text("#name-error"); !strings.Contains(msg, "letters, digits") {
			t.Errorf("name field error %q", msg)
		}
		admin.do("fix name", chromedp.SetValue(chromedp.ID("app-name"), "ci-runner"),
			chromedp.SendKeys(chromedp.ID("app-description"), "runs the nightly scans"),
			chromedp.Click(chromedp.ID("at-scan")))
		admin.click("create-app")
		if h := admin.text("h1"); h != "Application ci-runner" {
			t.Fatalf("after creating the application: %q", h)
		}
		if st := admin.click("new-credential"); st != 201 {
			t.Fatalf("new credential: %d", st)
		}
		clientID, clientSecret, single := admin.value("#client-id"), admin.value("#client-secret"), admin.value("#client-credential")
		mustf(t, strings.HasPrefix(clientSecret, "tmc_") && clientID != "" && single != "", "credential page: %q %q %q", clientID, clientSecret, single)
		admin.screenshot("admin-credential")
		if st, body := oauthClientCredentials(t, e, single); st != 200 || !strings.Contains(body, "access_token") {
			t.Fatalf("client_credentials with the credential from the page: %d %s", st, body)
		}
		admin.click("close-secret")
		if txt := admin.text(`#credential-table tr[data-client-id="` + clientID + `"]`); !strings.Contains(txt, "active") {
			t.Errorf("credential row %q", txt)
		}
		admin.screenshot("admin-application")
		admin.load("revoke credential", chromedp.Click(chromedp.CSS(`#credential-table tr[data-client-id="`+clientID+`"] a`), chromedp.NodeVisible))
		admin.click("confirm")
		if st, _ := oauthClientCredentials(t, e, single); st != 401 && st != 400 {
			t.Errorf("client_credentials with a revoked credential: %d, want 400 or 401", st)
		}

		// Policy: a refused combination is shown next to its field; a
		// 30-day cap then limits the Create Token page at once.
		admin.open("/ui/admin/policy")
		admin.do("bad policy", chromedp.SetValue(chromedp.ID("inactivity_deactivate_days"), "100"))
		if st := admin.click("save-policy"); st != 400 {
			t.Errorf("deactivate after more days than delete: %d, want 400", st)
		}
		if msg := admin.text("#inactivity_deactivate_days-error"); !strings.Contains(msg, "must not exceed") {
			t.Errorf("policy field error %q", msg)
		}
		admin.do("cap lifetime", chromedp.SetValue(chromedp.ID("inactivity_deactivate_days"), "30"),
			chromedp.SetValue(chromedp.ID("max_lifetime_days"), "30"))
		admin.click("save-policy")
		if f := admin.text("#flash"); !strings.Contains(f, "Policy saved") {
			t.Errorf("policy flash %q", f)
		}
		admin.screenshot("admin-policy")
		alice.t = t
		alice.open("/ui/tokens/new")
		alice.do("choose UserToken", chromedp.Click(chromedp.ID("type-UserToken"), chromedp.NodeVisible))
		if eval[bool](alice, `!document.getElementById("no-expiry-row").hidden`) {
			t.Error(`"no expiration" is offered although the tenant caps lifetimes`)
		}
		if v := alice.value("#expires_on"); v != "2026-02-04" {
			t.Errorf("UserToken default expiry under a 30-day cap: %q, want 2026-02-04", v)
		}

		// Webhooks: the signing secret is shown once; a token event is
		// delivered to the URL, signed with that secret, and the webhook's
		// page lists the delivery; then disable it.
		type delivery struct {
			event, signature string
			body             []byte
		}
		var (
			mu       sync.Mutex
			received []delivery
		)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			received = append(received, delivery{r.Header.Get("X-Tokenmint-Event"), r.Header.Get("X-Tokenmint-Signature"), b})
			mu.Unlock()
		}))
		defer receiver.Close()
		admin.open("/ui/admin/webhooks")
		admin.do("webhook", chromedp.SendKeys(chromedp.ID("url"), receiver.URL+"/tokenmint"))
		if st := admin.click("create-webhook"); st != 201 {
			t.Fatalf("create webhook: %d", st)
		}
		hookSecret := admin.value("#webhook-secret")
		mustf(t, len(hookSecret) >= 16, "webhook secret %q", hookSecret)
		admin.click("close-secret")
		aliceAPI.createToken(map[string]any{"type": "CIToken", "name": "for-the-webhook"})
		if err := e.svc.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := received
		mu.Unlock()
		created := 0
		for _, d := range got {
			if !validWebhookSignature(d.signature, hookSecret, d.body) {
				t.Errorf("a %s delivery's signature does not verify with the secret shown on the page: %q", d.event, d.signature)
			}
			if validWebhookSignature(d.signature, hookSecret+"x", d.body) {
				t.Error("the signature check accepts a wrong secret")
			}
			if d.event == "token.created" && strings.Contains(string(d.body), "for-the-webhook") {
				created++
			}
		}
		if created != 1 {
			t.Errorf("%d token.created deliveries for the new token, want 1 (of %d deliveries)", created, len(got))
		}
		admin.open(strings.TrimPrefix(admin.location(), e.srv.URL))
		if txt := admin.text("#delivery-table tbody"); !strings.Contains(txt, "token.created") || !strings.Contains(txt, "delivered (HTTP 200)") {
			t.Errorf("deliveries table: %q", txt)
		}
		admin.screenshot("admin-webhook")
		admin.click("toggle-webhook")
		if st := admin.text("#webhook-state"); st != "disabled" {
			t.Errorf("webhook state %q", st)
		}

		// Audit log, filtered by action and by actor.
		admin.open("/ui/admin/audit?action=token.revoke")
		if txt := admin.text("#audit-table tbody"); !strings.Contains(txt, "alice") || !strings.Contains(txt, "token.revoke") || strings.Contains(txt, "token.create") {
			t.Errorf("audit filtered by token.revoke: %q", txt)
		}
		admin.open("/ui/admin/audit")
		admin.do("filter failures", chromedp.SetValue(chromedp.ID("audit-outcome"), "failure"))
		admin.click("apply-audit-filters")
		if txt := admin.text("#audit-table tbody"); !strings.Contains(txt, "login") || strings.Contains(txt, "success") {
			t.Errorf("audit failures: %q", txt)
		}
		if over := eval[bool](admin, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
			t.Error("the audit log scrolls sideways")
		}
		admin.screenshot("admin-audit")
		admin.assertOnlyLocalRequests()
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

// oauthClientCredentials asks the token endpoint for an access token with a
// single opaque client credential in Authorization: Basic.
func oauthClientCredentials(t *testing.T, e *env, credential string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+credential)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// validWebhookSignature checks "t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">",
// computed here independently of the server's code.
func validWebhookSignature(header, secret string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	return ts != "" && hmac.Equal([]byte(sig), []byte(want))
}
