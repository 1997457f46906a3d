package http_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// In a real Chromium: a token created with a rate limit on the form is
// refused past it, its page shows the limit and where it comes from, a
// bad limit comes back on the form with nothing created, and an
// administrator sets a user's shared limit on the user's page.
func TestUIBrowserRateLimits(t *testing.T) {
	bctx := startBrowser(t)
	e := newEnv(t)
	_, bobID := e.createUser("bob", "member")
	admin := newTab(t, bctx, e.srv.URL)
	admin.login("admin", adminPassword)

	t.Run("bad limit comes back on the form", func(t *testing.T) {
		admin.t = t
		tokens, _ := e.counts()
		admin.open("/ui/tokens/new?type=CIToken")
		admin.do("fill a limit without seconds",
			chromedp.SendKeys(chromedp.ID("name"), "half-limit", chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.ID("rate_requests"), "5"))
		if st := admin.click("save-token"); st != 400 {
			t.Fatalf("save: status %d, want 400", st)
		}
		if msg := admin.text("#rate_limit-error"); !strings.Contains(strings.ToLower(msg), "rate limit") {
			t.Errorf("field error %q", msg)
		}
		if v := admin.value("#rate_requests"); v != "5" {
			t.Errorf("the typed requests are lost: %q", v)
		}
		if n, _ := e.counts(); n != tokens {
			t.Errorf("a token was created: %d -> %d", tokens, n)
		}
	})

	var plain, id string
	t.Run("create with a limit", func(t *testing.T) {
		admin.t = t
		admin.open("/ui/tokens/new?type=CIToken")
		admin.do("fill the form",
			chromedp.SendKeys(chromedp.ID("name"), "metered-ui", chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.ID("rate_requests"), "2"),
			chromedp.SendKeys(chromedp.ID("rate_seconds"), "60"))
		admin.screenshot("create-token-rate-limit")
		if st := admin.click("save-token"); st != 201 {
			t.Fatalf("save: status %d", st)
		}
		plain = admin.value("#token-plain")
		for i, want := range []int{200, 200, 429} {
			r := e.verify("Bearer "+plain, "")
			if r.status != want {
				t.Fatalf("verification %d: %d, want %d", i+1, r.status, want)
			}
			if i == 0 {
				id, _ = r.json(t)["token_id"].(string)
			}
		}
	})

	t.Run("token page shows the limit and its source", func(t *testing.T) {
		admin.t = t
		admin.open("/ui/tokens/" + id)
		if txt := admin.text("#token-rate-limit"); txt != "2 requests per 60 s (its own)" {
			t.Errorf("token page rate limit %q", txt)
		}
		// "Create a token like this" fills in its limit.
		admin.open("/ui/tokens/new?like=" + id)
		if req, per := admin.value("#rate_requests"), admin.value("#rate_seconds"); req != "2" || per != "60" {
			t.Errorf("the like-form's rate limit: %q per %q, want 2 per 60", req, per)
		}
	})

	t.Run("admin sets a user's shared limit", func(t *testing.T) {
		admin.t = t
		admin.open("/ui/admin/users/" + bobID)
		if txt := admin.text("#owner-rate-limit"); !strings.HasPrefix(txt, "None") {
			t.Errorf("before: %q", txt)
		}
		admin.do("fill the owner limit",
			chromedp.SendKeys(chromedp.ID("owner_rate_requests"), "7", chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.ID("owner_rate_seconds"), "30"))
		if st := admin.click("save-owner-rate-limit"); st != 200 {
			t.Fatalf("save: status %d", st)
		}
		if txt := admin.text("#owner-rate-limit"); !strings.HasPrefix(txt, "7 requests per 30 s") {
			t.Errorf("after: %q", txt)
		}
		admin.screenshot("admin-user-rate-limit")
		r := e.admin.do("GET", "/api/v1/users/"+bobID+"/rate-limit", nil)
		if rl, _ := r.json(t)["rate_limit"].(map[string]any); rl["requests"] != 7.0 || rl["per_seconds"] != 30.0 {
			t.Errorf("API after the form: %s", r.body)
		}
	})
}
