package http_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The web UI is tested in a real headless Chromium driven over the Chrome
// DevTools Protocol by chromedp, so the tests stay plain `go test` with no
// Node toolchain. Debian's package puts the browser at /usr/bin/chromium.

// screenshotDir is where the browser tests save the pictures of the main
// pages; they are committed so reviewers see the UI without running it.
const screenshotDir = "../artifacts/screenshots"

// chromiumPath finds the browser: TOKENMINT_CHROMIUM when set (and only
// it), else the usual names. It returns "" when there is none.
func chromiumPath() string {
	if p := os.Getenv("TOKENMINT_CHROMIUM"); p != "" {
		found, _ := exec.LookPath(p)
		return found
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts one headless Chromium for a test and its subtests.
// Without a browser the test is skipped on a developer machine, but fails
// where CI or TOKENMINT_REQUIRE_BROWSER is set, so CI cannot pass by
// silently not running the UI tests.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		msg := "chromium not found (Debian: apt-get install chromium; or set TOKENMINT_CHROMIUM)"
		if os.Getenv("CI") != "" || os.Getenv("TOKENMINT_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + "; browser tests are required here (CI or TOKENMINT_REQUIRE_BROWSER is set)")
		}
		t.Skip(msg)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v", path, err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		_ = chromedp.Cancel(cctx)
		cancel()
		cancelAlloc()
	})
	return ctx
}

// tab is one signed-in (or not yet) browser user: a tab in its own browser
// context, so cookies are not shared between the users of a test.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	requests []string // every URL the pages requested
}

func newTab(t *testing.T, browserCtx context.Context, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, base: base}
	if err := chromedp.Listen(ctx, func(ev any) {
		if r, ok := ev.(*network.EventRequestWillBeSent); ok {
			tb.mu.Lock()
			tb.requests = append(tb.requests, r.Request.URL)
			tb.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	// Let the copy buttons' result be read back from the clipboard.
	for _, perm := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: perm, AllowWithoutSanitization: true},
			Setting:    browser.PermissionSettingGranted, Origin: base,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		}); err != nil {
			t.Fatalf("granting %s: %v", perm, err)
		}
	}
	return tb
}

// timeout bounds one step, so a missing element fails the test quickly
// with the step's name rather than hanging until the test binary's limit.
const stepTimeout = 45 * time.Second // roomy: a loaded 2-core machine runs Chromium slowly

func (tb *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(tb.ctx, stepTimeout)
}

// do runs actions and fails the test on error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := tb.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v (page %s)", what, err, tb.location())
	}
}

// load runs actions that cause a navigation (a link, a form) and returns
// the HTTP status of the page that was loaded.
func (tb *tab) load(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	tb.t.Helper()
	ctx, cancel := tb.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		tb.t.Fatalf("%s: %v (page %s)", what, err, tb.location())
	}
	tb.checkPage(what)
	return resp.Status
}

// open navigates to a path of the server and returns the status.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	return tb.load("open "+path, chromedp.Navigate(tb.base+path))
}

// click clicks an element that navigates, and returns the new page's status.
func (tb *tab) click(id string) int64 {
	tb.t.Helper()
	return tb.load("click #"+id, chromedp.Click(chromedp.ID(id), chromedp.NodeVisible))
}

func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return runT(tb, "text of "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (tb *tab) value(sel string) string {
	tb.t.Helper()
	return runT(tb, "value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// eval runs JavaScript in the page and decodes its result into T.
func eval[T any](tb *tab, js string, opts ...chromedp.EvaluateOption) T {
	tb.t.Helper()
	return runT(tb, "evaluate "+js, chromedp.Evaluate[T](js, opts...))
}

func runT[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := tb.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %v (page %s)", what, err, tb.location())
	}
	return v
}

// checkPageJS lists what is wrong with the page the browser shows: form
// controls without a label, POST forms without a CSRF field, duplicate
// ids (labels and error messages point at ids), and anything that looks
// like a raw API error or a Go stack trace.
const checkPageJS = `(() => {
  const problems = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label");
    if (!named) problems.push("unlabelled control " + (el.id || el.name));
  }
  for (const f of document.querySelectorAll("form")) {
    if ((f.getAttribute("method") || "get").toLowerCase() !== "post") continue;
    const c = f.querySelector("input[type=hidden][name=csrf_token]");
    if (!c || !c.value) problems.push("POST form without CSRF token: " + f.getAttribute("action"));
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push("duplicate id " + el.id);
    seen.add(el.id);
  }
  const text = document.body ? document.body.innerText : "";
  if (text.includes('{"error"')) problems.push("raw JSON error on the page");
  if (/goroutine \d+|panic:|\.go:\d+/.test(text)) problems.push("stack trace on the page");
  if (!document.querySelector("h1")) problems.push("page has no h1");
  return problems;
})()`

func (tb *tab) checkPage(what string) {
	tb.t.Helper()
	if problems := eval[[]string](tb, checkPageJS); len(problems) > 0 {
		tb.t.Errorf("%s: page %s: %s", what, tb.location(), strings.Join(problems, "; "))
	}
}

// screenshot saves the whole page as artifacts/screenshots/NAME.png.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	png := runT(tb, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// assertOnlyLocalRequests fails when a page fetched anything from another
// host: the UI must work offline (no CDN, fonts or analytics).
func (tb *tab) assertOnlyLocalRequests() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.requests) == 0 {
		tb.t.Fatal("no requests were recorded; the network listener is not working")
	}
	for _, u := range tb.requests {
		if !strings.HasPrefix(u, tb.base+"/") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			tb.t.Errorf("page requested %s, outside %s", u, tb.base)
		}
	}
}

// login signs in through the form using only the keyboard: type the user
// name, Tab to the password, Enter to submit.
func (tb *tab) login(username, password string) {
	tb.t.Helper()
	if st := tb.open("/ui/tokens"); st != 200 {
		tb.t.Fatalf("login page: status %d", st)
	}
	if loc := tb.location(); !strings.Contains(loc, "/ui/login?next=") {
		tb.t.Fatalf("signed-out visit to /ui/tokens went to %s, want the login page", loc)
	}
	st := tb.load("log in as "+username, chromedp.SendKeys(chromedp.ID("username"), username+"\t"+password+"\r", chromedp.NodeVisible))
	if st != 200 {
		tb.t.Fatalf("after login: status %d at %s", st, tb.location())
	}
	if got := tb.text("#whoami"); got != username {
		tb.t.Fatalf("signed in as %q, want %q (page %s)", got, username, tb.location())
	}
}

func mustf(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}
