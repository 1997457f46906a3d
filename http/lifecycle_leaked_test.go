package http_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Anyone may report a leaked token: it is revoked, the owner is mailed and
// token.leaked is sent to webhooks. The answer is the same whether or not
// the token existed; reports are rate limited per client IP.
func TestRevokeLeaked(t *testing.T) {
	e := newLCEnv(t, lcOptions{mail: true})
	var mu sync.Mutex
	var events []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		events = append(events, r.Header.Get("X-Tokenmint-Event"))
		mu.Unlock()
	}))
	defer hook.Close()
	expect(t, e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"token.leaked"}}), http.StatusCreated, "webhook")

	lea, _ := e.userWithEmail("lea")
	plain, encoded, id := lea.createToken(map[string]any{"type": "CIToken", "name": "pasted-in-a-gist"})
	_, _, otherID := lea.createToken(map[string]any{"type": "CIToken", "name": "bystander"})
	anon := e.withToken("")
	report := func(tok, ip string) response {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/tokens/revoke-leaked", strings.NewReader(`{"token":"`+tok+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		return roundTrip(t, http.DefaultClient, req)
	}

	real := report(encoded, "192.0.2.50") // the encoded form works too
	unknown := report("tmu_"+strings.Repeat("A", 36), "192.0.2.50")
	garbage := report("not a token at all", "192.0.2.50")
	again := report(plain, "192.0.2.50")
	for _, r := range []response{real, unknown, garbage, again} {
		if r.status != http.StatusAccepted || string(r.body) != string(real.body) {
			t.Errorf("answer %d %s differs from %d %s", r.status, r.body, real.status, real.body)
		}
	}
	if r := e.verifyFrom(plain, "198.51.100.1"); r.status != http.StatusUnauthorized {
		t.Errorf("leaked token still verifies: %d", r.status)
	}
	if st := tokenStatus(t, lea, id); st != "revoked" {
		t.Errorf("leaked token is %s", st)
	}
	if st := tokenStatus(t, lea, otherID); st != "active" {
		t.Errorf("bystander token is %s", st)
	}
	e.deliver()
	mails := e.smtp.Messages()
	if len(mails) != 1 || mails[0].To[0] != "lea@example.com" || !strings.Contains(mails[0].Subject, "leaked") {
		t.Errorf("mails = %+v, want one leak notice to lea", mails)
	}
	mu.Lock()
	if len(events) != 1 || events[0] != "token.leaked" {
		t.Errorf("webhook events = %v, want one token.leaked", events)
	}
	mu.Unlock()

	// Rate limit: 10 reports a minute per client IP, then 429; other IPs
	// are unaffected.
	for i := 0; i < 6; i++ {
		report("tmu_nothing", "192.0.2.50")
	}
	if r := report("tmu_nothing", "192.0.2.50"); r.status != http.StatusTooManyRequests {
		t.Errorf("11th report from one IP: %d, want 429", r.status)
	}
	expect(t, report("tmu_nothing", "192.0.2.51"), http.StatusAccepted, "report from another IP")
	e.clock.Advance(61e9)
	expect(t, report("tmu_nothing", "192.0.2.50"), http.StatusAccepted, "report after a minute")

	for _, body := range []string{`{}`, `{"token":1}`, `{"token":"x","extra":1}`, `[`} {
		if r := anon.do("POST", "/api/v1/tokens/revoke-leaked", body); r.status != http.StatusBadRequest {
			t.Errorf("body %s: %d, want 400", body, r.status)
		}
	}
}

// Policies: admins read and change them; bad values change nothing; a
// lower max_lifetime_days never shortens existing tokens, only limits new
// ones.
func TestPolicies(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	r := e.admin.do("GET", "/api/v1/policies", nil)
	expect(t, r, http.StatusOK, "get policy")
	p := r.json(t)
	for k, v := range map[string]float64{"max_lifetime_days": 0, "inactivity_deactivate_days": 30, "inactivity_delete_days": 90, "access_token_ttl": 3600, "refresh_token_ttl": 2592000} {
		if p[k] != v {
			t.Errorf("default %s = %v, want %v", k, p[k], v)
		}
	}
	if got := noticeDays(t, p); !slices.Equal(got, []int{30, 7, 1}) {
		t.Errorf("default expiry_notice_days = %v, want [30 7 1]", got)
	}
	_, _, longID := e.admin.createToken(map[string]any{"type": "CIToken", "name": "long", "days_to_live": 300})
	before := e.admin.do("GET", "/api/v1/tokens/"+longID, nil).json(t)["expires_at"]

	r = e.admin.do("PUT", "/api/v1/policies", map[string]any{"max_lifetime_days": 30})
	expect(t, r, http.StatusOK, "put policy")
	if m := r.json(t); m["max_lifetime_days"] != float64(30) || m["inactivity_deactivate_days"] != float64(30) {
		t.Errorf("after put: %v (fields left out keep their value)", m)
	}
	if after := e.admin.do("GET", "/api/v1/tokens/"+longID, nil).json(t)["expires_at"]; after != before {
		t.Errorf("existing token's expiry moved from %v to %v", before, after)
	}
	if r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "too-long", "days_to_live": 31}); r.status != http.StatusBadRequest {
		t.Errorf("token past the new max lifetime: %d", r.status)
	}
	expect(t, e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "ok", "days_to_live": 30}), http.StatusCreated, "token within the limit")

	for _, body := range []any{
		map[string]any{"max_lifetime_days": -1},
		map[string]any{"inactivity_deactivate_days": 100, "inactivity_delete_days": 90},
		map[string]any{"access_token_ttl": 5},
		map[string]any{"expiry_notice_days": "7"},
		map[string]any{"max_lifetime_dayz": 7},
	} {
		if r := e.admin.do("PUT", "/api/v1/policies", body); r.status != http.StatusBadRequest {
			t.Errorf("PUT %v: %d, want 400", body, r.status)
		}
	}
	if m := e.admin.do("GET", "/api/v1/policies", nil).json(t); m["max_lifetime_days"] != float64(30) || m["access_token_ttl"] != float64(3600) {
		t.Errorf("refused changes were applied: %v", m)
	}
	member, _ := e.userWithEmail("max")
	if r := member.do("PUT", "/api/v1/policies", map[string]any{"max_lifetime_days": 0}); r.status != http.StatusForbidden {
		t.Errorf("member changes policy: %d", r.status)
	}
	if items := auditItems(t, e.admin, "action=policy.update&outcome=denied"); len(items) != 1 || items[0]["actor_kind"] != "user" {
		t.Errorf("the refused policy change is audited as %v, want one denied entry", items)
	}
}

// A secret that rotation replaced, once its grace period has ended, opens
// nothing: reporting it as leaked (or revoking it through /oauth/revoke)
// leaves the token and its current secret alone. Within the grace period a
// report still revokes the token.
func TestRetiredSecretReportedLeakedRevokesNothing(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	lea, _ := e.userWithEmail("lea")
	old, _, id := lea.createToken(map[string]any{"type": "CIToken", "name": "rotated"})
	r := lea.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 60})
	expect(t, r, http.StatusOK, "rotate")
	fresh := r.json(t)["token"].(string)
	e.clock.Advance(2 * time.Minute) // the old secret's grace period is over

	anon := e.withToken("")
	expect(t, anon.do("POST", "/api/v1/tokens/revoke-leaked", map[string]any{"token": old}), http.StatusAccepted, "report the retired secret")
	appID := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "revoker", "access_types": []string{"introspect"}}).json(t)["id"].(string)
	cred := e.admin.do("POST", "/api/v1/applications/"+appID+"/credentials", nil).json(t)
	res := e.form("/oauth/revoke", basicAuth(cred["client_id"].(string), cred["client_secret"].(string)), url.Values{"token": {old}})
	expect(t, res, http.StatusOK, "oauth revoke of the retired secret")
	if st := tokenStatus(t, lea, id); st != "active" {
		t.Fatalf("token after reports of its retired secret is %s, want active", st)
	}
	expect(t, e.verifyFrom(fresh, "198.51.100.1"), http.StatusOK, "current secret")

	// Within the grace period the old secret is live: a report revokes.
	r = lea.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 60})
	expect(t, r, http.StatusOK, "rotate again")
	expect(t, anon.do("POST", "/api/v1/tokens/revoke-leaked", map[string]any{"token": fresh}), http.StatusAccepted, "report the secret in its grace period")
	if st := tokenStatus(t, lea, id); st != "revoked" {
		t.Fatalf("token after a report of its live old secret is %s, want revoked", st)
	}
}
