package http_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// A tenant's login_failures_per_minute sets how many failed logins (API and
// OAuth2 password grant) a user or IP gets in a minute before 429.
func TestPolicyLoginThrottle(t *testing.T) {
	e := newOAuthEnv(t)
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"login_failures_per_minute": 0}), http.StatusBadRequest, "0 failures")
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"login_failures_per_minute": 1001}), http.StatusBadRequest, "1001 failures")
	r := e.admin.do("PUT", "/api/v1/policies", map[string]any{"login_failures_per_minute": 3})
	if r.status != http.StatusOK || r.json(t)["login_failures_per_minute"] != float64(3) {
		t.Fatalf("set throttle: %d %s", r.status, r.body)
	}
	_, _ = e.createUser("bob", "member")
	login := func(user, pass string) int {
		c := &client{e: e, http: &http.Client{}}
		return c.do("POST", "/api/v1/auth/login", map[string]any{"username": user, "password": pass}).status
	}
	for i := range 3 {
		if st := login("bob", "wrong-password"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, st)
		}
	}
	if st := login("bob", "bob-password"); st != http.StatusTooManyRequests {
		t.Fatalf("after 3 failures with a limit of 3: %d, want 429", st)
	}
	grant := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {"bob-password"}})
	if grant.status != http.StatusTooManyRequests {
		t.Errorf("password grant after 3 failures: %d %s", grant.status, grant.body)
	}
	e.clock.Advance(61 * time.Second)
	if st := login("bob", "bob-password"); st != http.StatusOK {
		t.Fatalf("after the minute: %d", st)
	}
	r = e.admin.do("GET", "/api/v1/policies", nil)
	if r.json(t)["login_failures_per_minute"] != float64(3) {
		t.Errorf("policy read back: %s", r.body)
	}
}

// A name with a NUL byte is no user's: the login fails as any unknown user
// does (401, and counted by the throttle), whatever the database thinks of
// such text.
func TestLoginWithNULInTheNameFailsLikeAnUnknownUser(t *testing.T) {
	e := newEnv(t)
	anon := e.withToken("")
	for _, body := range []string{`{"username":"ad\u0000min","password":"whatever-1"}`, `{"tenant":"def\u0000ault","username":"admin","password":"whatever-1"}`} {
		if r := anon.do("POST", "/api/v1/auth/login", body); r.status != http.StatusUnauthorized {
			t.Errorf("login %s: %d %s, want 401", body, r.status, r.body)
		}
	}
}
