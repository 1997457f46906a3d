package http_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tokenmint"
)

// TestUIBrowserExpiryWarnings drives, in Chromium, the dashboard's expiry
// cliff (seen, and followed to a list of as many tokens) and the policy
// form's notice days and weekly digest.
func TestUIBrowserExpiryWarnings(t *testing.T) {
	bctx := startBrowser(t)
	e := newEnv(t)
	// A normal spread, and six tokens made under an old policy that all
	// expire on one day.
	for i := 1; i <= 4; i++ {
		e.admin.createToken(map[string]any{"type": "CIToken", "name": "spread-" + strconv.Itoa(i), "days_to_live": i * 25})
	}
	for i := 1; i <= 6; i++ {
		e.admin.createToken(map[string]any{"type": "CIToken", "name": "old-policy-" + strconv.Itoa(i), "days_to_live": 40})
	}
	cliffDay := e.clock.Now().Add(40 * tokenmint.Day).Format(time.DateOnly)

	t.Run("dashboard cliff leads to its list", func(t *testing.T) {
		admin := newTab(t, bctx, e.srv.URL)
		admin.login("admin", adminPassword)
		admin.open("/ui/admin/dashboard")
		items := eval[[]string](admin, `[...document.querySelectorAll("#cliff-list li")].map(li => li.textContent.trim())`)
		if want := "6 tokens expire on " + cliffDay; len(items) != 1 || items[0] != want {
			t.Fatalf("cliffs %q, want [%q]", items, want)
		}
		admin.screenshot("dashboard-expiry-cliff")
		admin.load("follow the cliff", chromedp.Click(chromedp.CSS(`#cliff-list li[data-date="`+cliffDay+`"] a`), chromedp.NodeVisible))
		names := eval[[]string](admin, `[...document.querySelectorAll("#token-table tbody tr[data-token-id]")].map(r => r.cells[0].textContent.trim())`)
		if len(names) != 6 {
			t.Fatalf("the cliff's list shows %d tokens %q, want 6", len(names), names)
		}
		for _, n := range names {
			if !strings.HasPrefix(n, "old-policy-") {
				t.Errorf("the cliff's list shows %q", n)
			}
		}
		if v := admin.value("#filter-expires-on"); v != cliffDay {
			t.Errorf("the expires-on filter shows %q, want %s", v, cliffDay)
		}
		admin.assertOnlyLocalRequests()
	})

	t.Run("policy form", func(t *testing.T) {
		admin := newTab(t, bctx, e.srv.URL)
		admin.login("admin", adminPassword)
		admin.open("/ui/admin/policy")
		if v := admin.value("#expiry_notice_days"); v != "30, 7, 1" {
			t.Errorf("notice days field %q, want the default 30, 7, 1", v)
		}
		// A duplicate is refused next to the field and nothing is saved.
		admin.do("duplicate days", chromedp.SetValue(chromedp.ID("expiry_notice_days"), "7, 7"))
		if st := admin.click("save-policy"); st != http.StatusBadRequest {
			t.Errorf("7, 7: %d, want 400", st)
		}
		if msg := admin.text("#expiry_notice_days-error"); !strings.Contains(msg, "twice") {
			t.Errorf("field error %q", msg)
		}
		if v := admin.value("#expiry_notice_days"); v != "7, 7" {
			t.Errorf("the refused form shows %q, want what was typed", v)
		}
		admin.do("good days and the digest", chromedp.SetValue(chromedp.ID("expiry_notice_days"), "3 14"),
			chromedp.Click(chromedp.ID("expiry_digest"), chromedp.NodeVisible),
			chromedp.SetValue(chromedp.ID("expiry_digest_weekday"), "friday"))
		admin.click("save-policy")
		if f := admin.text("#flash"); !strings.Contains(f, "Policy saved") {
			t.Fatalf("flash %q", f)
		}
		if v := admin.value("#expiry_notice_days"); v != "14, 3" {
			t.Errorf("saved notice days show %q, want 14, 3", v)
		}
		if on := eval[bool](admin, `document.getElementById("expiry_digest").checked`); !on {
			t.Error("the digest box is not checked after saving it on")
		}
		admin.screenshot("admin-policy-expiry-warnings")
		p := e.admin.do("GET", "/api/v1/policies", nil).json(t)
		if got := noticeDays(t, p); !slices.Equal(got, []int{14, 3}) || p["expiry_digest"] != true || p["expiry_digest_weekday"] != "friday" {
			t.Errorf("saved policy %v", p)
		}
	})
}
