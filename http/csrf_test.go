package http_test

import (
	"net/http"
	"testing"
)

func TestCookieWritesNeedTheCSRFToken(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"type": "CIToken", "name": "x"}
	noCSRF := &client{e: e, http: e.admin.http} // same cookie jar, no header
	tokens, _ := e.counts()
	if r := noCSRF.do("POST", "/api/v1/tokens", body); r.status != http.StatusForbidden || r.errorCode(t) != "forbidden" {
		t.Fatalf("cookie POST without CSRF header: %d %s", r.status, r.body)
	}
	wrong := &client{e: e, http: e.admin.http, csrf: "not-the-token"}
	if r := wrong.do("POST", "/api/v1/tokens", body); r.status != http.StatusForbidden {
		t.Fatalf("cookie POST with a wrong CSRF header: %d", r.status)
	}
	if now, _ := e.counts(); now != tokens {
		t.Fatalf("refused requests created %d tokens", now-tokens)
	}
	// Reads need no CSRF token; writes with the right one work.
	if r := noCSRF.do("GET", "/api/v1/tokens", nil); r.status != http.StatusOK {
		t.Fatalf("cookie GET: %d", r.status)
	}
	plain, _, id := e.admin.createToken(body)
	// A token in Authorization needs no CSRF token, and "self" names it.
	if r := e.withToken(plain).do("GET", "/api/v1/tokens/self", nil); r.status != http.StatusOK || r.json(t)["id"] != id {
		t.Fatalf("token GET self: %d %s", r.status, r.body)
	}
	user, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "u"})
	if r := e.withToken(user).do("DELETE", "/api/v1/tokens/self", nil); r.status != http.StatusNoContent {
		t.Fatalf("token DELETE self: %d %s", r.status, r.body)
	}
	if r := e.verify("Bearer "+user, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("self-revoked token verifies: %d", r.status)
	}
}
