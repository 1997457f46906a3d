package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// Every token's page shows the limits of its own type and of the tenant,
// whoever looks at it: an application token's page is bounded by the
// ApplicationToken type, which no user may create.
func TestUITokenPageShowsItsOwnLimits(t *testing.T) {
	e := newEnv(t) // the clock stands at 2026-01-05 09:00 UTC
	appID := e.createApp("uploader", "scan")
	r := e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "ci"})
	expect(t, r, http.StatusCreated, "application token")
	appTok := r.json(t)["id"].(string)
	alice, _ := e.createUser("alice", "member")
	_, _, ciTok := alice.createToken(map[string]any{"type": "CIToken", "name": "mine"})

	page := func(c *client, id string) string {
		t.Helper()
		p := uiDo(t, c, "GET", "/ui/tokens/"+id, nil)
		if p.status != http.StatusOK {
			t.Fatalf("page of %s: %d %.500s", id, p.status, p.body)
		}
		return p.body
	}
	check := func(what, body, maxDate string, words ...string) {
		t.Helper()
		if !strings.Contains(body, `max="`+maxDate+`"`) {
			t.Errorf("%s: the date picker has no max=%q: %.4000s", what, maxDate, body)
		}
		if strings.Contains(body, "no latest date") {
			t.Errorf("%s: says the type has no latest date", what)
		}
		for _, w := range words {
			if !strings.Contains(body, w) {
				t.Errorf("%s: does not say %q", what, w)
			}
		}
	}
	check("application token", page(e.admin, appTok), "2027-01-05", "ApplicationToken", "365 days")
	check("alice's CI token", page(alice, ciTok), "2027-01-05", "CIToken", "365 days")

	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_lifetime_days": 60}), http.StatusOK, "cap lifetimes at 60 days")
	check("application token under the tenant's cap", page(e.admin, appTok), "2026-03-06", "60 days", "365 days")
	check("alice's CI token under the tenant's cap", page(alice, ciTok), "2026-03-06", "60 days")
	check("alice's CI token seen by an administrator", page(e.admin, ciTok), "2026-03-06", "60 days")
}
