package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Introspection with client_ip answers inactive for an IP the token is
// blocked for, and active for any other.
func TestIntrospectionRefusesBlockedClientIP(t *testing.T) {
	e := newOAuthEnv(t)
	_, id, sec, _ := e.appClient("rs", "introspect")
	caller := basicAuth(id, sec)
	tok, _, tokID := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	if r := e.admin.do("PUT", "/api/v1/tokens/"+tokID+"/blocked-ips/198.51.100.0%2F24", nil); r.status != http.StatusOK {
		t.Fatalf("block: %d %s", r.status, r.body)
	}
	introspect := func(ip string) response {
		return e.form("/oauth/introspect", caller, url.Values{"token": {tok}, "client_ip": {ip}})
	}
	if r := introspect("198.51.100.7"); r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{"active":false}` {
		t.Errorf("blocked IP: %d %s", r.status, r.body)
	}
	if r := introspect("203.0.113.9"); r.status != http.StatusOK || r.json(t)["active"] != true {
		t.Errorf("other IP: %d %s", r.status, r.body)
	}
	if r := introspect("not-an-ip"); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_request" {
		t.Errorf("bad client_ip: %d %s", r.status, r.body)
	}
}
