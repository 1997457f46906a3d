package http_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// The administration flows of TestUIBrowser. alice is the member's tab of
// the main test, signed in; her tokens were made by the earlier subtests.

// browseAdminUsersAndProjects creates, refuses and disables users, creates
// a project with a membership, and has alice make a token scoped to it.
func browseAdminUsersAndProjects(t *testing.T, e *env, bctx context.Context, alice *tab) {
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
}

// browseAdminApplicationsPolicyWebhooksAudit covers applications and client
// credentials, the tenant policy, webhooks and the audit log.
func browseAdminApplicationsPolicyWebhooksAudit(t *testing.T, e *env, bctx context.Context, alice *tab, aliceAPI *client) {
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

	// An application token: shown once, verifies with the application's
	// access types, listed on the application's page, revoked from its
	// token page.
	appURL := strings.TrimPrefix(admin.location(), e.srv.URL)
	admin.open(appURL)
	admin.do("app token", chromedp.SendKeys(chromedp.ID("token-name"), "scanner"),
		chromedp.SetValue(chromedp.ID("expires_on"), "2026-03-01"))
	if st := admin.click("create-app-token"); st != 201 {
		t.Fatalf("create application token: %d", st)
	}
	appToken := admin.value("#token-plain")
	mustf(t, strings.HasPrefix(appToken, "tma_"), "application token on the page: %q", appToken)
	r := e.verify("Bearer "+appToken, "?permission=analysis:execute")
	if r.status != 200 || r.json(t)["owner_kind"] != "application" || r.json(t)["expires_at"] != "2026-03-01T09:00:00Z" {
		t.Fatalf("verify the application token: %d %s", r.status, r.body)
	}
	if r := e.verify("Bearer "+appToken, "?permission=users:manage"); r.status != 403 {
		t.Errorf("application token beyond its access types: %d, want 403", r.status)
	}
	admin.click("close-secret")
	admin.load("open the application token", chromedp.Click(chromedp.CSS(`#app-token-table tr[data-token-name="scanner"] a`), chromedp.NodeVisible))
	if h := admin.text("h1"); h != "Token scanner" {
		t.Fatalf("application token page: %q", h)
	}
	admin.click("revoke-token")
	admin.click("confirm-revoke")
	if r := e.verify("Bearer "+appToken, ""); r.status != 401 {
		t.Errorf("verify the revoked application token: %d, want 401", r.status)
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
	hookPage := admin.location()
	admin.open(strings.TrimPrefix(hookPage, e.srv.URL))
	if txt := admin.text("#delivery-table tbody"); !strings.Contains(txt, "token.created") || !strings.Contains(txt, "delivered (HTTP 200)") {
		t.Errorf("deliveries table: %q", txt)
	}
	admin.screenshot("admin-webhook")
	// The Notifications page lists the same delivery; the channel filter
	// keeps it (webhook) or hides it (email).
	admin.open("/ui/admin/deliveries")
	admin.do("filter webhooks", chromedp.SetValue(chromedp.ID("delivery-channel"), "webhook"))
	admin.click("apply-delivery-filters")
	if txt := admin.text("#deliveries-table tbody"); !strings.Contains(txt, "token.created") || !strings.Contains(txt, "delivered (HTTP 200)") {
		t.Errorf("notifications filtered by webhook: %q", txt)
	}
	admin.screenshot("admin-notifications")
	admin.do("filter e-mail", chromedp.SetValue(chromedp.ID("delivery-channel"), "email"))
	admin.click("apply-delivery-filters")
	if txt := admin.text("#deliveries-table tbody"); strings.Contains(txt, "token.created") {
		t.Errorf("notifications filtered by email show a webhook post: %q", txt)
	}
	admin.open(strings.TrimPrefix(hookPage, e.srv.URL))
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
}

// oauthClientCredentials asks the token endpoint for an access token with a
// single opaque client credential in Authorization: Basic.
func oauthClientCredentials(t *testing.T, e *env, credential string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+credential)
	r := roundTrip(t, http.DefaultClient, req)
	return r.status, string(r.body)
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
