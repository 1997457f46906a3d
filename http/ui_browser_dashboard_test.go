package http_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tokenmint"
)

// docsScreenshot saves the page as docs/NAME.png too, when
// TOKENMINT_DOCS_SCREENSHOTS is set: the pictures in docs/ are refreshed on
// purpose, not by every test run.
func (tb *tab) docsScreenshot(name string) {
	tb.t.Helper()
	tb.screenshot(name)
	if os.Getenv("TOKENMINT_DOCS_SCREENSHOTS") == "" {
		return
	}
	png := runT(tb, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join("..", "docs", name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// TestUIBrowserAtAGlance drives the usage chart of a token's page and the
// administrators' dashboard in Chromium: the chart and its table carry the
// numbers of the daily counts, and each figure of the dashboard leads to a
// list of as many tokens as it says.
func TestUIBrowserAtAGlance(t *testing.T) {
	bctx := startBrowser(t)
	e := newEnv(t)
	aliceAPI, _ := e.createUser("alice", "member")
	aliceAPI.createToken(map[string]any{"type": "UserToken", "name": "idle-script"})
	e.clock.Advance(31 * tokenmint.Day) // idle-script is unused for 31 days
	relogin := func() {
		aliceAPI, e.admin = e.login("alice", "alice-password"), e.login("admin", adminPassword)
	}
	relogin()
	busy, _, busyID := aliceAPI.createToken(map[string]any{"type": "UserToken", "name": "deploy-bot", "no_expiry": true})
	aliceAPI.createToken(map[string]any{"type": "CIToken", "name": "release-pipeline", "days_to_live": 10})
	aliceAPI.createToken(map[string]any{"type": "CIToken", "name": "nightly-build", "days_to_live": 20})
	e.admin.createToken(map[string]any{"type": "UserToken", "name": "admin-laptop", "days_to_live": 60})
	appID := e.createApp("scanner", "scan")
	r := e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "uploads", "days_to_live": 90})
	expect(t, r, http.StatusCreated, "application token")
	appToken := r.json(t)["token"].(string)

	// deploy-bot: 4 uses two days ago, none yesterday, 3 today; the
	// application's token 2 today; and 2 refused verifications today.
	use := func(tok string, n int, query string, want int) {
		t.Helper()
		for range n {
			if r := e.verify("Bearer "+tok, query); r.status != want {
				t.Fatalf("verify %s: %d, want %d", query, r.status, want)
			}
		}
	}
	use(busy, 4, "", http.StatusOK)
	e.clock.Advance(2 * tokenmint.Day)
	relogin()
	use(busy, 3, "", http.StatusOK)
	use(appToken, 2, "", http.StatusOK)
	use(busy, 2, "?permission=users:manage", http.StatusForbidden)
	if err := e.svc.Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	today := e.clock.Now()
	date := func(daysAgo int) string { return today.AddDate(0, 0, -daysAgo).Format(time.DateOnly) }

	// Without JavaScript: the chart and its table are in the HTML itself.
	page := uiDo(t, aliceAPI, "GET", "/ui/tokens/"+busyID, nil)
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="usage-chart" role="img"`, `<title id="usage-chart-title">`, `id="usage-days-table"`, `data-date="` + date(2) + `" data-value="4"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the token page's HTML lacks %s", want)
		}
	}
	// Fortify's rule: the administrator's view of alice's token has no chart.
	if page := uiDo(t, e.admin, "GET", "/ui/tokens/"+busyID, nil); strings.Contains(page.body, "usage-chart") || strings.Contains(page.body, "usage-days-table") {
		t.Error("the administrator sees the usage chart of alice's token")
	}

	t.Run("token usage chart", func(t *testing.T) {
		alice := newTab(t, bctx, e.srv.URL)
		alice.login("alice", "alice-password")
		alice.open("/ui/tokens/" + busyID)
		if role := eval[string](alice, `document.getElementById("usage-chart").getAttribute("role")`); role != "img" {
			t.Errorf("chart role %q, want img", role)
		}
		if title := eval[string](alice, `document.querySelector("#usage-chart > title").textContent`); title != "Uses per day, last 90 days" {
			t.Errorf("chart title %q", title)
		}
		desc := eval[string](alice, `document.querySelector("#usage-chart > desc").textContent`)
		if want := "7 uses in total from " + date(89) + " to " + date(0) + ". Busiest day " + date(2) + " with 4."; desc != want {
			t.Errorf("chart description %q, want %q", desc, want)
		}
		bars := eval[map[string]string](alice, `Object.fromEntries([...document.querySelectorAll("#usage-chart rect.bar")].map(b => [b.dataset.date, b.dataset.value]))`)
		rows := eval[map[string]string](alice, `Object.fromEntries([...document.querySelectorAll("#usage-days-table tbody tr")].map(r => [r.cells[0].textContent, r.cells[1].textContent]))`)
		if len(bars) != 90 || len(rows) != 90 {
			t.Fatalf("%d bars and %d table rows, want 90 days each", len(bars), len(rows))
		}
		for daysAgo, want := range map[int]string{0: "3", 1: "0", 2: "4", 3: "0", 89: "0"} {
			d := date(daysAgo)
			if bars[d] != want || rows[d] != want {
				t.Errorf("%s: bar %q, table %q; want %s", d, bars[d], rows[d], want)
			}
		}
		// The bars of the busiest day and of a day without use are drawn
		// to scale: a day without use has no height.
		heights := eval[[]float64](alice, `["`+date(2)+`", "`+date(0)+`", "`+date(1)+`"].map(d => document.querySelector('#usage-chart rect[data-date="'+d+'"]').getBBox().height)`)
		if heights[0] <= heights[1] || heights[1] <= 0 || heights[2] != 0 {
			t.Errorf("bar heights for 4, 3 and 0 uses: %v", heights)
		}
		// The table is one click away (a disclosure) for sighted users and
		// in the page for screen readers.
		alice.do("open the table", chromedp.Click(chromedp.CSS("#usage-days summary"), chromedp.NodeVisible))
		if txt := alice.text(`#usage-days-table tr[data-date="` + date(2) + `"]`); !strings.Contains(txt, "4") {
			t.Errorf("table row of %s: %q", date(2), txt)
		}
		alice.do("close the table", chromedp.Click(chromedp.CSS("#usage-days summary"), chromedp.NodeVisible))
		alice.docsScreenshot("screenshot-token-usage")
		alice.assertOnlyLocalRequests()
	})

	t.Run("dashboard figures lead to their lists", func(t *testing.T) {
		admin := newTab(t, bctx, e.srv.URL)
		admin.login("admin", adminPassword)
		admin.open("/ui/admin/tokens")
		admin.load("open the dashboard", chromedp.Click(chromedp.CSS(`nav.sub a[href="/ui/admin/dashboard"]`), chromedp.NodeVisible))
		if h := admin.text("h1"); h != "Dashboard" {
			t.Fatalf("the dashboard link led to %q", h)
		}
		want := map[string]int{"fig-active": 6, "fig-expiring": 2, "fig-unused": 1, "fig-no-expiry": 1}
		for id, n := range want {
			if got := admin.text("#" + id + " .number"); got != strconv.Itoa(n) {
				t.Errorf("%s shows %s, want %d", id, got, n)
			}
		}
		if failed := eval[string](admin, `document.querySelector('#failed-days-table tr[data-date="`+date(0)+`"]').cells[1].textContent`); failed != "2" {
			t.Errorf("failed verifications today: %q, want 2", failed)
		}
		if busiest := admin.text("#busiest-tokens tbody tr:first-child"); !strings.Contains(busiest, "deploy-bot") || !strings.Contains(busiest, "alice") || !strings.HasSuffix(busiest, "7") {
			t.Errorf("busiest token row %q, want deploy-bot of alice with 7 uses", busiest)
		}
		if app := admin.text("#busiest-applications tbody tr:first-child"); !strings.Contains(app, "scanner") || !strings.HasSuffix(app, "2") {
			t.Errorf("busiest application row %q, want scanner with 2 uses", app)
		}
		admin.docsScreenshot("screenshot-dashboard")
		admin.assertOnlyLocalRequests()

		// Every number links to the list that shows as many tokens.
		links := eval[[]string](admin, `[...document.querySelectorAll("#figures a, #per-type a")].map(a => a.getAttribute("href"))`)
		numbers := eval[[]string](admin, `[...document.querySelectorAll("#figures .number, #per-type a")].map(n => n.textContent)`)
		if len(links) != 4+3 || len(links) != len(numbers) { // four figures, three types (CIToken, UserToken, ApplicationToken)
			t.Fatalf("links %q for numbers %q", links, numbers)
		}
		for i, link := range links {
			admin.open("/ui/admin/dashboard")
			admin.load("follow "+link, chromedp.Click(chromedp.CSS(`a[href="`+link+`"]`), chromedp.NodeVisible))
			rows := eval[int](admin, `document.querySelectorAll("#token-table tbody tr[data-token-id]").length`)
			if strconv.Itoa(rows) != numbers[i] {
				t.Errorf("%s lists %d tokens, the dashboard says %s", link, rows, numbers[i])
			}
		}
		// The filters the link set are shown in the list's form.
		admin.open("/ui/admin/dashboard")
		admin.load("follow the unused figure", chromedp.Click(chromedp.CSS("#fig-unused a"), chromedp.NodeVisible))
		if v := admin.value("#filter-unused"); v != "30" {
			t.Errorf("the unused filter shows %q, want 30", v)
		}
		if names := admin.text("#token-table tbody"); !strings.Contains(names, "idle-script") {
			t.Errorf("the unused list shows %q, want idle-script", names)
		}
		admin.open("/ui/admin/dashboard")
		admin.load("follow the busiest token", chromedp.Click(chromedp.CSS("#busiest-tokens tbody a"), chromedp.NodeVisible))
		if h := admin.text("h1"); h != "Token deploy-bot" {
			t.Errorf("the busiest token's link led to %q", h)
		}
		admin.open("/ui/admin/dashboard")
		admin.load("follow the busiest application", chromedp.Click(chromedp.CSS("#busiest-applications tbody a"), chromedp.NodeVisible))
		if h := admin.text("h1"); !strings.Contains(h, "scanner") {
			t.Errorf("the busiest application's link led to %q", h)
		}
	})
}
