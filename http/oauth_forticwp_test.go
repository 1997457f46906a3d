package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// On the FortiCWP credential path, client_credentials answers a refresh
// token too; FortiCWP's refresh path rotates it without the credential,
// with reuse detection; it dies with its credential and its application.
func TestOAuthFortiCWPRefreshToken(t *testing.T) {
	e := newOAuthEnv(t)
	appID := e.createApp("forti-cwp", "read-only")
	credID, clientID, _, cred := e.createCredential(appID)
	get := func() map[string]any {
		t.Helper()
		r := e.form("/api/v1/auth/credentials/token/", "Basic "+cred, url.Values{"grant_type": {"client_credentials"}})
		if r.status != http.StatusOK {
			t.Fatalf("credential token: %d %s", r.status, r.body)
		}
		m := r.json(t)
		if rt, _ := m["refresh_token"].(string); !strings.HasPrefix(rt, "tmr_") {
			t.Fatalf("FortiCWP path answered no refresh token: %s", r.body)
		}
		return m
	}
	refresh := func(rt string) response {
		t.Helper()
		return e.form("/api/v1/auth/token/refresh", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}
	first := get()
	r := refresh(first["refresh_token"].(string))
	if r.status != http.StatusOK {
		t.Fatalf("refresh without the credential: %d %s", r.status, r.body)
	}
	second := r.json(t)
	jwt := second["access_token"].(string)
	c := jwtPayload(t, jwt)
	if c["sub"] != appID || c["owner_kind"] != "application" || c["client_id"] != clientID {
		t.Errorf("refreshed JWT claims %v, want the application and its client", c)
	}
	if v := e.verify("Bearer "+jwt, "?permission=api:read"); v.status != http.StatusOK {
		t.Errorf("refreshed JWT: verify %d %s", v.status, v.body)
	}
	if v := e.verify("Bearer "+jwt, "?permission=api:write"); v.status != http.StatusForbidden {
		t.Errorf("refreshed JWT beyond the access types: verify %d", v.status)
	}
	in := e.form("/oauth/introspect", basicAuth(e.appClientSecretPair(t, "introspector")), url.Values{"token": {second["refresh_token"].(string)}}).json(t)
	if in["active"] != true || in["owner_kind"] != "application" {
		t.Errorf("introspection of the application's refresh token: %v", in)
	}
	// Presenting the spent token again revokes the family and its JWTs.
	if r := refresh(first["refresh_token"].(string)); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("reuse: %d %s", r.status, r.body)
	}
	if r := refresh(second["refresh_token"].(string)); r.status != http.StatusBadRequest {
		t.Errorf("successor after reuse: %d %s, want refused", r.status, r.body)
	}
	if v := e.verify("Bearer "+jwt, "?permission=api:read"); v.status != http.StatusUnauthorized {
		t.Errorf("JWT of a reused family: verify %d", v.status)
	}
	// Another client cannot use it; the refresh path only refreshes.
	third := get()
	_, otherID, otherSecret, _ := e.appClient("other-app", "read-only")
	if r := e.form("/oauth/token", basicAuth(otherID, otherSecret), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {third["refresh_token"].(string)}}); r.status != http.StatusBadRequest {
		t.Errorf("another client's refresh: %d %s", r.status, r.body)
	}
	if r := e.form("/api/v1/auth/token/refresh", "Basic "+cred, url.Values{"grant_type": {"client_credentials"}}); r.status != http.StatusBadRequest || r.oauthError(t) != "unsupported_grant_type" {
		t.Errorf("client_credentials on the refresh path: %d %s", r.status, r.body)
	}
	// Disabling the application stops its refresh tokens; enabling it again
	// lets them work.
	e.admin.do("PATCH", "/api/v1/applications/"+appID, map[string]any{"enabled": false})
	if r := refresh(third["refresh_token"].(string)); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("refresh of a disabled application: %d %s", r.status, r.body)
	}
	e.admin.do("PATCH", "/api/v1/applications/"+appID, map[string]any{"enabled": true})
	r = refresh(third["refresh_token"].(string))
	if r.status != http.StatusOK {
		t.Fatalf("refresh after re-enabling: %d %s", r.status, r.body)
	}
	// Revoking the credential ends the refresh tokens it obtained.
	fourth := r.json(t)
	if r := e.admin.do("DELETE", "/api/v1/applications/"+appID+"/credentials/"+credID, nil); r.status != http.StatusNoContent {
		t.Fatal(r.status, string(r.body))
	}
	if r := refresh(fourth["refresh_token"].(string)); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("refresh after the credential's revocation: %d %s", r.status, r.body)
	}
	// The standard endpoint's client_credentials still answers no refresh
	// token (RFC 6749 §4.4.3).
	_, id, sec, _ := e.appClient("plain", "read-only")
	if m := e.form("/oauth/token", basicAuth(id, sec), url.Values{"grant_type": {"client_credentials"}}).json(t); m["refresh_token"] != nil {
		t.Errorf("/oauth/token client_credentials answered a refresh token: %v", m)
	}
}

// appClientSecretPair creates an application allowed to introspect and
// returns its client ID and secret.
func (e *env) appClientSecretPair(t *testing.T, name string) (string, string) {
	t.Helper()
	_, id, sec, _ := e.appClient(name, "introspect")
	return id, sec
}
