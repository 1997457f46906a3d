package http_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A token of a type that needs approval, in a real Chromium: a member asks
// for it on Create Token with a justification, an administrator (in a
// second browser context) approves it under Administration → Token
// requests, and the member collects the token from My requests and sees
// it once; a second collection is refused.
func TestUIBrowserTokenRequest(t *testing.T) {
	bctx := startBrowser(t)
	e := startEnv(t, io.Discard, false, withApprovalTypes(t))
	e.createUser("mia", "member")

	mia := newTab(t, bctx, e.srv.URL)
	mia.login("mia", "mia-password")
	mia.click("new-token")
	if mia.text("#save-token") != "Save" || eval[bool](mia, `!document.getElementById("justification-row").hidden`) {
		t.Fatal("a type without approval offers a justification or a request")
	}
	mia.do("choose ProductionDeployToken", chromedp.Click(chromedp.ID("type-ProductionDeployToken"), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.ID("justification")))
	if got := mia.text("#save-token"); got != "Request token" {
		t.Fatalf("button of a type needing approval reads %q, want Request token", got)
	}
	if info := mia.text("#type-info-ProductionDeployToken"); !strings.Contains(info, "Approval") {
		t.Errorf("type panel does not say approval is required: %q", info)
	}
	// Without a justification the request is refused on the form.
	mia.do("name only", chromedp.SendKeys(chromedp.ID("name"), "prod-deploy"))
	eval[bool](mia, `document.getElementById("justification").value = " "; true`)
	if st := mia.click("save-token"); st != http.StatusBadRequest {
		t.Fatalf("request without justification: status %d, want 400", st)
	}
	if msg := mia.text("#justification-error"); !strings.Contains(strings.ToLower(msg), "justification is required") {
		t.Errorf("refusal says %q", msg)
	}
	mia.do("justify", chromedp.SetValue(chromedp.ID("justification"), "Friday's release needs a production deploy token"))
	// The request keeps the networks and the rate limit of the form (this
	// browser and the test client use the server from 127.0.0.1).
	mia.do("restrict", chromedp.SetValue(chromedp.ID("allowed_cidrs"), "127.0.0.1\n10.0.0.0/8"),
		chromedp.SetValue(chromedp.ID("rate_requests"), "100"), chromedp.SetValue(chromedp.ID("rate_seconds"), "60"))
	if st := mia.click("save-token"); st != http.StatusOK {
		t.Fatalf("request: status %d", st)
	}
	if loc := mia.location(); !strings.HasSuffix(loc, "/ui/token-requests") {
		t.Fatalf("after the request the page is %s, want My requests", loc)
	}
	if f := mia.text("#flash"); !strings.Contains(f, "Request sent") {
		t.Errorf("flash %q", f)
	}
	if !eval[bool](mia, `!!document.querySelector('#my-requests-table tr[data-status="pending"]')`) {
		t.Fatal("My requests shows no pending request")
	}
	if eval[bool](mia, `!!document.querySelector('button[data-collect]')`) {
		t.Fatal("a pending request offers Collect token")
	}
	const restrictions = "From 10.0.0.0/8, 127.0.0.1/32; 100 requests per 60 s"
	if got := mia.text(`#my-requests-table td[data-restrictions]`); got != restrictions {
		t.Fatalf("My requests shows restrictions %q, want %q", got, restrictions)
	}

	admin := newTab(t, bctx, e.srv.URL)
	admin.login("admin", adminPassword)
	admin.open("/ui/admin/token-requests")
	if row := admin.text(`#admin-requests-table tr[data-status="pending"]`); !strings.Contains(row, "mia") || !strings.Contains(row, "Friday's release") {
		t.Fatalf("admin's pending row = %q", row)
	}
	if got := admin.text(`#admin-requests-table td[data-restrictions]`); got != restrictions {
		t.Fatalf("the admin's page shows restrictions %q, want %q", got, restrictions)
	}
	if st := admin.load("approve", chromedp.Click(chromedp.CSS(`button[data-approve]`), chromedp.NodeVisible)); st != http.StatusOK {
		t.Fatalf("approve: status %d", st)
	}
	if !eval[bool](admin, `!!document.querySelector('#admin-requests-table tr[data-status="approved"]')`) {
		t.Fatal("the request is not shown approved")
	}

	// The approver cannot collect it: only the requester sees the token.
	id := eval[string](admin, `document.querySelector('#admin-requests-table tr[data-status="approved"]').dataset.request`)
	js := `(async () => {
	  const csrf = document.querySelector('input[name=csrf_token]').value;
	  const r = await fetch('/ui/token-requests/` + id + `/collect', {method: 'POST', body: new URLSearchParams({csrf_token: csrf})});
	  return r.status;
	})()`
	if got := eval[int](admin, js, chromedp.EvalAwaitPromise); got != http.StatusForbidden {
		t.Fatalf("the approver's collection: %d, want 403", got)
	}

	mia.open("/ui/token-requests")
	if got := eval[string](mia, `document.querySelector('button[data-collect]').dataset.collect`); got != id {
		t.Fatalf("Collect token is offered for %q, want %q", got, id)
	}
	if st := mia.load("collect", chromedp.Click(chromedp.CSS(`button[data-collect]`), chromedp.NodeVisible)); st != http.StatusCreated {
		t.Fatalf("collect: status %d", st)
	}
	plain := mia.value("#token-plain")
	if !strings.HasPrefix(plain, "tmu_") || mia.value("#token-encoded") == "" {
		t.Fatalf("collected token %q", plain)
	}
	if w := mia.text("#once-warning"); !strings.Contains(w, "will not be shown again") {
		t.Errorf("warning %q", w)
	}
	if r := e.withToken(plain).do("GET", "/api/v1/tokens/self", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), `"ProductionDeployToken"`) ||
		!strings.Contains(string(r.body), `"allowed_cidrs":["10.0.0.0/8","127.0.0.1/32"]`) {
		t.Fatalf("the collected token does not work: %d %s", r.status, r.body)
	}

	// The list no longer offers it; a second collection (a replayed form)
	// is refused and shows no secret.
	mia.open("/ui/token-requests")
	if !eval[bool](mia, `!!document.querySelector('#my-requests-table tr[data-status="issued"]') && !document.querySelector('button[data-collect]')`) {
		t.Fatal("after collection the request is not issued, or still offers Collect token")
	}
	js = `(async () => {
	  const csrf = document.querySelector('input[name=csrf_token]').value;
	  const r = await fetch('/ui/token-requests/` + id + `/collect', {method: 'POST', body: new URLSearchParams({csrf_token: csrf})});
	  return r.status + " " + (await r.text()).includes('` + plain + `');
	})()`
	if got := eval[string](mia, js, chromedp.EvalAwaitPromise); got != "409 false" {
		t.Fatalf("second collection: %q, want 409 without the secret", got)
	}
}
