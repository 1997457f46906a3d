package http_test

import (
	"net/http"
	"testing"
)

// With the database down, the management API and forward auth answer 503
// to a good token, a good session and a good password, never 401 or 403:
// a CI system told its credential is bad throws it away.
func TestManagementOutageIsNotABadCredential(t *testing.T) {
	e, down := newOutageEnv(t)
	tok, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "ops"})
	member, _ := e.createUser("mem", "member")
	byToken := e.withToken(tok)
	down.down.Store(true)
	for _, c := range []struct {
		name   string
		client *client
		method string
		path   string
		body   any
	}{
		{"token lists its tokens", byToken, "GET", "/api/v1/tokens", nil},
		{"token reads itself", byToken, "GET", "/api/v1/tokens/self", nil},
		{"token creates a token", byToken, "POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "x"}},
		{"token lists projects", byToken, "GET", "/api/v1/projects", nil},
		{"session reads me", member, "GET", "/api/v1/auth/me", nil},
		{"session lists its tokens", member, "GET", "/api/v1/tokens", nil},
		{"password login", e.withToken(""), "POST", "/api/v1/auth/login", map[string]any{"username": "mem", "password": "mem-password"}},
	} {
		r := c.client.do(c.method, c.path, c.body)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s with the database down: %d %s, want 503", c.name, r.status, r.body)
		}
	}
	if r := e.verify("Bearer "+tok, "?permission=api:read"); r.status != http.StatusServiceUnavailable {
		t.Errorf("verify with the database down: %d %s, want 503", r.status, r.body)
	}
	down.down.Store(false)
	if r := byToken.do("GET", "/api/v1/tokens/self", nil); r.status != http.StatusOK {
		t.Errorf("the same token once the database is back: %d %s", r.status, r.body)
	}
}
