package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"tokenmint"
	"tokenmint/secret"
)

func TestOAuthClientCredentialsWithLibrary(t *testing.T) {
	e := newOAuthEnv(t)
	_, clientID, clientSecret, credential := e.appClient("ci-bot", "read-only", "results:upload")

	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cc := clientcredentials.Config{
			ClientID: clientID, ClientSecret: clientSecret, TokenURL: e.srv.URL + "/oauth/token",
			Scopes: []string{"api:read"}, AuthStyle: style,
		}
		tok, err := cc.Token(context.Background())
		if err != nil {
			t.Fatalf("auth style %v: %v", style, err)
		}
		if tok.TokenType != "Bearer" || tok.RefreshToken != "" || tok.Extra("scope") != "api:read" {
			t.Errorf("token = %+v scope %v", tok, tok.Extra("scope"))
		}
		wantExpires := e.clock.Now().Add(time.Hour).UnixMilli()
		if exp, _ := tok.Extra("expires").(float64); int64(exp) != wantExpires {
			t.Errorf("expires = %v, want %d (epoch ms)", tok.Extra("expires"), wantExpires)
		}
		resp, err := cc.Client(context.Background()).Get(e.srv.URL + "/api/v1/auth/verify?permission=api:read")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Token-Expiration") == "" {
			t.Errorf("verify with the library's client: %d", resp.StatusCode)
		}
	}

	// The single opaque credential as Basic, and scope beyond the grant.
	r := e.form("/oauth/token", "Basic "+credential, url.Values{"grant_type": {"client_credentials"}})
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Basic credential: %d %s (Cache-Control %q)", r.status, r.body, r.header.Get("Cache-Control"))
	}
	m := r.json(t)
	for _, f := range []string{"access_token", "token_type", "expires_in", "scope", "expires"} {
		if _, ok := m[f]; !ok {
			t.Errorf("response lacks %s: %s", f, r.body)
		}
	}
	if m["expires_in"].(float64) != 3600 || !strings.Contains(m["scope"].(string), "results:upload") ||
		strings.Contains(m["scope"].(string), "results:write") {
		t.Errorf("response = %s", r.body)
	}
	jwt := m["access_token"].(string)
	if v := e.verify("Bearer "+jwt, "?permission=results:upload"); v.status != http.StatusOK {
		t.Errorf("verify JWT for results:upload: %d %s", v.status, v.body)
	}
	if v := e.verify("Bearer "+jwt, "?permission=api:write"); v.status != http.StatusForbidden {
		t.Errorf("verify JWT for api:write (not granted): %d %s", v.status, v.body)
	}
}

func TestOAuthPasswordGrantRefreshRotationAndReuse(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()
	conf := oauth2.Config{
		ClientID: "cli",
		// acr_values rides on the token URL: the library's password grant
		// takes no extra parameters.
		Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token?acr_values=Tenant:default", AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{"api:read", "tokens:introspect"},
	}
	tok, err := conf.PasswordCredentialsToken(ctx, "admin", adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || !strings.HasPrefix(tok.RefreshToken, "tmr_") {
		t.Fatalf("no refresh token: %+v", tok)
	}
	// The library judges expiry by the real clock: mark the token expired
	// so that it refreshes.
	tok.Expiry = time.Now().Add(-time.Minute)
	tok2, err := conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Fatalf("refresh did not rotate: %q -> %q", tok.RefreshToken[:8], tok2.RefreshToken[:8])
	}
	if v := e.verify("Bearer "+tok2.AccessToken, "?permission=api:read"); v.status != http.StatusOK {
		t.Fatalf("refreshed access token: %d %s", v.status, v.body)
	}

	// Reuse of the spent refresh token revokes the whole family.
	r := e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {"cli"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Fatalf("reuse: %d %s", r.status, r.body)
	}
	r = e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok2.RefreshToken}, "client_id": {"cli"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("successor after reuse: %d %s", r.status, r.body)
	}
	if v := e.verify("Bearer "+tok2.AccessToken, "?permission=api:read"); v.status != http.StatusUnauthorized {
		t.Errorf("access token of a revoked family: verify %d", v.status)
	}
	_, id, sec, _ := e.appClient("introspector", "introspect")
	if r := e.form("/oauth/introspect", basicAuth(id, sec), url.Values{"token": {tok2.AccessToken}}); string(r.body) != `{"active":false}`+"\n" && string(r.body) != `{"active":false}` {
		t.Errorf("introspection of a revoked family's access token: %s", r.body)
	}
	entries, err := e.db.ListAudit(ctx, tokenmint.AuditFilter{Action: "oauth.refresh.reuse"})
	if err != nil || len(entries) != 1 {
		t.Errorf("reuse audit entries = %d, %v", len(entries), err)
	}
	for _, en := range entries {
		if strings.Contains(en.Detail, "tmr_") {
			t.Error("the audit log holds a refresh token")
		}
	}
	// The one successful refresh is audited once, as the user.
	if refreshed, err := e.db.ListAudit(ctx, tokenmint.AuditFilter{Action: "oauth.token.refresh"}); err != nil || len(refreshed) != 1 || refreshed[0].ActorKind != "user" {
		t.Errorf("refresh audit entries = %+v, %v; want one by the user", refreshed, err)
	}
}

// tenantB creates tenant "globex" with an admin and returns a session of it.
func (e *env) tenantB() *client {
	e.t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	if err := e.db.CreateTenant(ctx, &tokenmint.Tenant{ID: "tenant-b", Name: "globex", CreatedAt: now}); err != nil {
		e.t.Fatal(err)
	}
	hash, err := secret.TestPasswordParams.Hash("globex-admin-pw")
	if err != nil {
		e.t.Fatal(err)
	}
	u := &tokenmint.User{ID: "user-b", TenantID: "tenant-b", Username: "admin", Email: "b@example.com",
		PasswordHash: hash, Roles: []string{tokenmint.RoleAdmin}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := e.db.CreateUser(ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return e.loginTenant("globex", "admin", "globex-admin-pw")
}

func TestOAuthErrors(t *testing.T) {
	e := newOAuthEnv(t)
	appID, clientID, clientSecret, _ := e.appClient("ci-bot", "read-only")
	disabledID, dClient, dSecret, _ := e.appClient("off-bot", "read-only")
	if r := e.admin.do("PATCH", "/api/v1/applications/"+disabledID, map[string]any{"enabled": false}); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	credID, rClient, rSecret, _ := e.createCredential(appID)
	if r := e.admin.do("DELETE", "/api/v1/applications/"+appID+"/credentials/"+credID, nil); r.status != http.StatusNoContent {
		t.Fatal(r.status)
	}
	_, bobID := e.createUser("bob", "member")
	if r := e.admin.do("PATCH", "/api/v1/users/"+bobID, map[string]any{"enabled": false}); r.status != http.StatusOK {
		t.Fatal(r.status, string(r.body))
	}
	userToken, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})

	cc := url.Values{"grant_type": {"client_credentials"}}
	pw := func(user, pass, tenant string) url.Values {
		v := url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}, "client_id": {"cli"}}
		if tenant != "" {
			v.Set("acr_values", "Tenant:"+tenant)
		}
		return v
	}
	withScope := func(v url.Values, scope string) url.Values { v.Set("scope", scope); return v }
	tests := []struct {
		name   string
		auth   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong client secret", basicAuth(clientID, "tmc_wrong"), cc, 401, "invalid_client"},
		{"unknown client", basicAuth("tmcid_nobody", clientSecret), cc, 401, "invalid_client"},
		{"no client authentication", "", cc, 401, "invalid_client"},
		{"revoked credential", basicAuth(rClient, rSecret), cc, 401, "invalid_client"},
		{"disabled application", basicAuth(dClient, dSecret), cc, 401, "invalid_client"},
		{"registered client without its secret", "", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {adminPassword}, "client_id": {clientID}}, 401, "invalid_client"},
		{"form secret", "", url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {"bad"}}, 401, "invalid_client"},
		{"scope beyond the application", basicAuth(clientID, clientSecret), withScope(url.Values{"grant_type": {"client_credentials"}}, "api:write"), 400, "invalid_scope"},
		{"malformed scope", basicAuth(clientID, clientSecret), withScope(url.Values{"grant_type": {"client_credentials"}}, "nonsense"), 400, "invalid_scope"},
		{"missing grant_type", "", url.Values{}, 400, "invalid_request"},
		{"unsupported grant", "", url.Values{"grant_type": {"authorization_code"}}, 400, "unsupported_grant_type"},
		{"password: missing username", "", url.Values{"grant_type": {"password"}, "password": {"x"}}, 400, "invalid_request"},
		{"password: unknown tenant", "", pw("admin", adminPassword, "nope"), 400, "invalid_grant"},
		{"password: wrong password", "", pw("admin", "wrong-password", ""), 400, "invalid_grant"},
		{"password: disabled user", "", pw("bob", "bob-password", "default"), 400, "invalid_grant"},
		{"password: scope beyond the user", "", withScope(pw("admin", adminPassword, ""), "no:such"), 400, "invalid_scope"},
		{"refresh: missing token", "", url.Values{"grant_type": {"refresh_token"}}, 400, "invalid_request"},
		{"refresh: garbage", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"tmr_garbage"}}, 400, "invalid_grant"},
		{"refresh: an access token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {userToken}}, 400, "invalid_grant"},
		{"exchange: wrong subject type", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {userToken}, "subject_token_type": {"urn:x"}}, 400, "invalid_request"},
		{"exchange: unknown token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {"tmu_000000000000000000000000000000AAAAAA"}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}}, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.form("/oauth/token", tt.auth, tt.form)
			if r.status != tt.status || r.oauthError(t) != tt.code {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tt.status, tt.code)
			}
			var b map[string]string
			json.Unmarshal(r.body, &b)
			if strings.ContainsAny(b["error_description"], "\"\\") {
				t.Errorf("error_description %q has characters RFC 6749 forbids", b["error_description"])
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Error("error answer without Cache-Control: no-store")
			}
			if tt.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}

	// A JWT of an application that is disabled afterwards stops working.
	_, onID, onSec, _ := e.appClient("soon-off", "read-only")
	jwt := e.clientToken(onID, onSec, "")
	r := e.admin.do("GET", "/api/v1/applications/soon-off", nil)
	e.admin.do("PATCH", "/api/v1/applications/"+r.json(t)["id"].(string), map[string]any{"enabled": false})
	if v := e.verify("Bearer "+jwt, ""); v.status != http.StatusUnauthorized {
		t.Errorf("JWT of a disabled application: verify %d", v.status)
	}

	// Malformed requests.
	req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader(`{"grant_type":"password"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("JSON body: %d", resp.StatusCode)
	}
	r = e.form("/oauth/token", "", url.Values{"grant_type": {"password", "password"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_request" {
		t.Errorf("repeated parameter: %d %s", r.status, r.body)
	}
}

func TestOAuthPasswordGrantThrottled(t *testing.T) {
	e := newOAuthEnv(t)
	try := func(user, pass string) response {
		return e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}})
	}
	for i := range 10 {
		if r := try("admin", "wrong-password"); r.status != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
		}
	}
	r := try("admin", adminPassword)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("after 10 failures, the right password: %d %s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}
	e.clock.Advance(61 * time.Second)
	if r := try("admin", adminPassword); r.status != http.StatusOK {
		t.Fatalf("after the window: %d %s", r.status, r.body)
	}
	// Per IP: a spray over many user names is stopped too.
	for i := range 10 {
		try("user"+strings.Repeat("x", i), "guess")
	}
	if r := try("someone-else", "guess"); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("spray from one IP: %d (Retry-After %q), want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	// Naming another tenant gives the same IP no fresh allowance.
	if _, _, err := e.svc.CreateTenant(t.Context(), "other", "root", "root-password"); err != nil {
		t.Fatal(err)
	}
	r = e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"root"}, "password": {"guess"}, "acr_values": {"Tenant:other"}})
	if r.status != http.StatusTooManyRequests {
		t.Errorf("the throttled IP guessing in another tenant: %d %s, want 429", r.status, r.body)
	}
}

// Client IDs are not secret: wrong secrets sent from one IP throttle that
// IP, and never lock the client out for its owner elsewhere.
func TestOAuthClientAuthenticationThrottlePerIP(t *testing.T) {
	e := newOAuthEnv(t)
	_, id, sec, _ := e.appClient("victim", "read-only")
	cc := url.Values{"grant_type": {"client_credentials"}}
	for i := range 10 {
		if r := e.formFrom("203.0.113.66", "/oauth/token", basicAuth(id, "wrong-secret"), cc); r.status != http.StatusUnauthorized || r.oauthError(t) != "invalid_client" {
			t.Fatalf("wrong secret %d: %d %s", i, r.status, r.body)
		}
	}
	if r := e.formFrom("203.0.113.66", "/oauth/token", basicAuth(id, sec), cc); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("the guessing IP with the right secret: %d (Retry-After %q), want 429", r.status, r.header.Get("Retry-After"))
	}
	if r := e.formFrom("198.51.100.10", "/oauth/token", basicAuth(id, sec), cc); r.status != http.StatusOK {
		t.Errorf("the client from its own IP: %d %s, want 200", r.status, r.body)
	}
}

func TestOAuthTokenExchange(t *testing.T) {
	e := newOAuthEnv(t)
	plain, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	ex := func(scope string) response {
		v := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {plain},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}}
		if scope != "" {
			v.Set("scope", scope)
		}
		return e.form("/oauth/token", "", v)
	}
	r := ex("results:upload")
	if r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["issued_token_type"] != "urn:ietf:params:oauth:token-type:access_token" || m["scope"] != "results:upload" || m["refresh_token"] != nil {
		t.Errorf("exchange answer: %s", r.body)
	}
	jwt := m["access_token"].(string)
	if v := e.verify("Bearer "+jwt, "?permission=results:upload"); v.status != http.StatusOK {
		t.Errorf("exchanged JWT: %d %s", v.status, v.body)
	}
	if v := e.verify("Bearer "+jwt, "?permission=results:download"); v.status != http.StatusForbidden {
		t.Errorf("exchanged JWT beyond its narrowed scope: %d", v.status)
	}
	if r := ex("users:manage"); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_scope" {
		t.Errorf("exchange beyond the token: %d %s", r.status, r.body)
	}
	if r := e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"active": false}); r.status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", r.status, r.body)
	}
	if r := ex(""); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("exchange of a deactivated token: %d %s", r.status, r.body)
	}
	// The exchanged JWT lives only while its subject token does: refused
	// while the subject is deactivated, by verify and by introspection.
	_, iID, iSec, _ := e.appClient("introspector", "introspect")
	introspect := func() string {
		return strings.TrimSpace(string(e.form("/oauth/introspect", basicAuth(iID, iSec), url.Values{"token": {jwt}}).body))
	}
	if v := e.verify("Bearer "+jwt, "?permission=results:upload"); v.status != http.StatusUnauthorized {
		t.Errorf("exchanged JWT of a deactivated token: verify %d %s, want 401", v.status, v.body)
	}
	if got := introspect(); got != `{"active":false}` {
		t.Errorf("introspection of the exchanged JWT of a deactivated token: %s", got)
	}
	expect(t, e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"active": true}), http.StatusOK, "reactivate")
	if v := e.verify("Bearer "+jwt, "?permission=results:upload"); v.status != http.StatusOK {
		t.Errorf("exchanged JWT after its token was reactivated: verify %d %s", v.status, v.body)
	}
	expect(t, e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"active": false}), http.StatusOK, "deactivate again")
	if r := e.admin.do("DELETE", "/api/v1/tokens/"+id, nil); r.status != http.StatusNoContent && r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := ex(""); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("exchange of a revoked token: %d %s", r.status, r.body)
	}
	expect(t, e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"active": true}), http.StatusConflict, "reactivate a revoked token")
	if v := e.verify("Bearer "+jwt, "?permission=results:upload"); v.status != http.StatusUnauthorized {
		t.Errorf("exchanged JWT of a revoked token: verify %d, want 401", v.status)
	}
}

func TestOAuthIntrospectAndRevoke(t *testing.T) {
	e := newOAuthEnv(t)
	_, id, sec, _ := e.appClient("rs", "introspect", "read-only")
	caller := basicAuth(id, sec)
	jwt := e.clientToken(id, sec, "api:read")
	opaque, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	pwTok := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {adminPassword}, "client_id": {"cli"}}).json(t)
	refresh := pwTok["refresh_token"].(string)

	introspect := func(auth, tok string) response {
		return e.form("/oauth/introspect", auth, url.Values{"token": {tok}})
	}
	if r := introspect("", jwt); r.status != http.StatusUnauthorized || r.oauthError(t) != "invalid_client" {
		t.Errorf("unauthenticated introspection: %d %s", r.status, r.body)
	}
	// An application needs the introspect access type to introspect.
	_, plainID, plainSec, _ := e.appClient("plain-reader", "read-only")
	if r := introspect(basicAuth(plainID, plainSec), jwt); r.status != http.StatusForbidden || strings.Contains(string(r.body), `"active"`) {
		t.Errorf("introspection by an application without the introspect access type: %d %s, want 403", r.status, r.body)
	}
	member, _ := e.createUser("mem", "viewer")
	viewerTok, _, _ := member.createToken(map[string]any{"type": "UserToken", "name": "u"})
	if r := introspect("Bearer "+viewerTok, jwt); r.status != http.StatusForbidden {
		t.Errorf("introspection with a token lacking tokens:introspect: %d %s", r.status, r.body)
	}
	adminTok, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "u"})
	for name, tc := range map[string]struct{ auth, tok, typ string }{
		"jwt by application":    {caller, jwt, "Bearer"},
		"jwt by bearer token":   {"Bearer " + adminTok, jwt, "Bearer"},
		"opaque":                {caller, opaque, "Bearer"},
		"refresh":               {caller, refresh, "refresh_token"},
		"password access token": {caller, pwTok["access_token"].(string), "Bearer"},
	} {
		r := introspect(tc.auth, tc.tok)
		m := r.json(t)
		if r.status != http.StatusOK || m["active"] != true || m["token_type"] != tc.typ || m["sub"] == nil || m["tenant"] != "default" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := introspect(caller, "garbage"); strings.TrimSpace(string(r.body)) != `{"active":false}` {
		t.Errorf("garbage: %s", r.body)
	}

	// Revocation of each kind; every verifier refuses afterwards.
	// A refresh token is revoked only by the client it was issued to.
	e.form("/oauth/revoke", caller, url.Values{"token": {refresh}})
	if r := introspect(caller, refresh); r.json(t)["active"] != true {
		t.Errorf("another client revoked a refresh token: %s", r.body)
	}
	for _, tc := range []struct {
		tok  string
		auth string
		form url.Values
	}{{jwt, caller, nil}, {opaque, caller, nil}, {refresh, "", url.Values{"client_id": {"cli"}}}} {
		tok := tc.tok
		form := url.Values{"token": {tok}}
		for k, v := range tc.form {
			form[k] = v
		}
		if r := e.form("/oauth/revoke", tc.auth, form); r.status != http.StatusOK {
			t.Errorf("revoke: %d %s", r.status, r.body)
		}
		if r := introspect(caller, tok); strings.TrimSpace(string(r.body)) != `{"active":false}` {
			t.Errorf("introspection after revocation: %s", r.body)
		}
	}
	if v := e.verify("Bearer "+jwt, "?permission=api:read"); v.status != http.StatusUnauthorized {
		t.Errorf("verify of a revoked JWT: %d", v.status)
	}
	if v := e.verify("Bearer "+opaque, ""); v.status != http.StatusUnauthorized {
		t.Errorf("verify of a revoked opaque token: %d", v.status)
	}
	// Revoking the refresh token revoked its family's access token too.
	if v := e.verify("Bearer "+pwTok["access_token"].(string), ""); v.status != http.StatusUnauthorized {
		t.Errorf("access token of a revoked refresh token: %d", v.status)
	}
	if r := e.form("/oauth/revoke", caller, url.Values{"token": {"unknown"}}); r.status != http.StatusOK {
		t.Errorf("revoking an unknown token: %d", r.status)
	}
	if r := e.form("/oauth/revoke", caller, url.Values{}); r.status != http.StatusBadRequest {
		t.Errorf("revoke without token: %d", r.status)
	}
}

func TestOAuthTenantIsolation(t *testing.T) {
	e := newOAuthEnv(t)
	b := e.tenantB()
	r := b.do("POST", "/api/v1/applications", map[string]any{"name": "b-bot", "access_types": []string{"admin"}})
	if r.status != http.StatusCreated {
		t.Fatalf("create app in B: %d %s", r.status, r.body)
	}
	r = b.do("POST", "/api/v1/applications/"+r.json(t)["id"].(string)+"/credentials", nil)
	bID, bSec := r.json(t)["client_id"].(string), r.json(t)["client_secret"].(string)
	_, aID, aSec, _ := e.appClient("a-bot", "admin")

	// A's client cannot log a user of B in, even with B's user's password.
	r = e.form("/oauth/token", basicAuth(aID, aSec), url.Values{"grant_type": {"password"}, "username": {"admin"},
		"password": {"globex-admin-pw"}, "acr_values": {"Tenant:globex"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("A's client, B's user: %d %s", r.status, r.body)
	}
	// A token of A: inactive to B's introspection, carries tenant A.
	jwtA := e.clientToken(aID, aSec, "")
	if r := e.form("/oauth/introspect", basicAuth(bID, bSec), url.Values{"token": {jwtA}}); strings.TrimSpace(string(r.body)) != `{"active":false}` {
		t.Errorf("B introspects A's token: %s", r.body)
	}
	if v := e.verify("Bearer "+jwtA, ""); v.header.Get("X-Auth-Tenant") != "default" {
		t.Errorf("A's token verified as tenant %q", v.header.Get("X-Auth-Tenant"))
	}
	// A user's refresh token presented by B's client.
	pw := e.form("/oauth/token", basicAuth(aID, aSec), url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {adminPassword}}).json(t)
	r = e.form("/oauth/token", basicAuth(bID, bSec), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pw["refresh_token"].(string)}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("B refreshes A's token: %d %s", r.status, r.body)
	}
	// Nor can anyone use it without A's client secret; with it, it works.
	r = e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pw["refresh_token"].(string)}})
	if r.status != http.StatusUnauthorized || r.oauthError(t) != "invalid_client" {
		t.Errorf("confidential client's refresh token without its secret: %d %s", r.status, r.body)
	}
	r = e.form("/oauth/token", basicAuth(aID, aSec), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pw["refresh_token"].(string)}})
	if r.status != http.StatusOK {
		t.Errorf("refresh by its own client: %d %s", r.status, r.body)
	}
	// B's client cannot exchange A's opaque token nor revoke A's JWT.
	opaque, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	r = e.form("/oauth/token", basicAuth(bID, bSec), url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {opaque}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("B exchanges A's token: %d %s", r.status, r.body)
	}
	e.form("/oauth/revoke", basicAuth(bID, bSec), url.Values{"token": {jwtA}})
	if v := e.verify("Bearer "+jwtA, ""); v.status != http.StatusOK {
		t.Errorf("B revoked A's JWT: verify %d", v.status)
	}
	// B's admin cannot see A's applications.
	if r := b.do("GET", "/api/v1/applications/a-bot", nil); r.status != http.StatusNotFound {
		t.Errorf("B reads A's application: %d", r.status)
	}
}

func TestOAuthMetadata(t *testing.T) {
	e := newOAuthEnv(t)
	r := e.admin.do("GET", "/.well-known/oauth-authorization-server", nil)
	var md map[string]any
	if err := json.Unmarshal(r.body, &md); err != nil || r.status != http.StatusOK {
		t.Fatalf("metadata: %d %s", r.status, r.body)
	}
	if md["issuer"] != e.srv.URL || md["token_endpoint"] != e.srv.URL+"/oauth/token" || md["jwks_uri"] != e.srv.URL+"/.well-known/jwks.json" {
		t.Errorf("metadata = %s", r.body)
	}
	_, id, sec, _ := e.appClient("compat", "read-only")
	for _, path := range []string{"/identity/connect/token", "/api/v1/auth/credentials/token/"} {
		r := e.form(path, basicAuth(id, sec), url.Values{"grant_type": {"client_credentials"}})
		if r.status != http.StatusOK || r.json(t)["access_token"] == nil {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

// Disabling a user stops its JWTs and its refresh tokens at once.
func TestOAuthDisabledUser(t *testing.T) {
	e := newOAuthEnv(t)
	_, bobID := e.createUser("bob", "member")
	r := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {"bob-password"}, "scope": {"api:read"}})
	if r.status != http.StatusOK {
		t.Fatalf("password grant: %d %s", r.status, r.body)
	}
	m := r.json(t)
	if v := e.verify("Bearer "+m["access_token"].(string), "?permission=api:read"); v.status != http.StatusOK {
		t.Fatalf("verify: %d", v.status)
	}
	if r := e.admin.do("PATCH", "/api/v1/users/"+bobID, map[string]any{"enabled": false}); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	if v := e.verify("Bearer "+m["access_token"].(string), "?permission=api:read"); v.status != http.StatusUnauthorized {
		t.Errorf("JWT of a disabled user: %d", v.status)
	}
	r = e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("refresh of a disabled user: %d %s", r.status, r.body)
	}
}

// Deleting an application ends its refresh tokens: they do not turn into
// bearer tokens anyone may refresh without a client secret. A client ID of
// the registered form is never taken as a public client's.
func TestOAuthDeletedApplicationRefreshTokensDie(t *testing.T) {
	e := newOAuthEnv(t)
	appID, id, sec, _ := e.appClient("short-lived", "read-only")
	pw := e.form("/oauth/token", basicAuth(id, sec), url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {adminPassword}})
	expect(t, pw, http.StatusOK, "password grant by a confidential client")
	refresh := pw.json(t)["refresh_token"].(string)
	expect(t, e.admin.do("DELETE", "/api/v1/applications/"+appID, nil), http.StatusNoContent, "delete the application")
	for _, auth := range []string{"", basicAuth(id, sec)} {
		r := e.form("/oauth/token", auth, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {id}})
		if r.status != http.StatusUnauthorized || r.oauthError(t) != "invalid_client" {
			t.Errorf("refresh after the application was deleted (with secret: %v): %d %s, want 401 invalid_client", auth != "", r.status, r.body)
		}
	}
	r := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {adminPassword}, "client_id": {id}})
	if r.status != http.StatusUnauthorized || r.oauthError(t) != "invalid_client" {
		t.Errorf("password grant naming the deleted client without a secret: %d %s, want 401 invalid_client", r.status, r.body)
	}
}

// golang.org/x/oauth2's password grant reaches the tenant acr_values names
// (Checkmarx SCA style): its tokens carry that tenant, and without the
// parameter the same user name and password are unknown in the default
// tenant.
func TestOAuthPasswordGrantIntoAnotherTenant(t *testing.T) {
	e := newOAuthEnv(t)
	if _, _, err := e.svc.CreateTenant(t.Context(), "globex", "gadmin", "globex-admin-pw"); err != nil {
		t.Fatal(err)
	}
	conf := func(tokenURL string) *oauth2.Config {
		return &oauth2.Config{ClientID: "cli", Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	}
	c := conf(e.srv.URL + "/oauth/token?acr_values=Tenant:globex")
	tok, err := c.PasswordCredentialsToken(t.Context(), "gadmin", "globex-admin-pw")
	if err != nil {
		t.Fatal(err)
	}
	v := e.verify("Bearer "+tok.AccessToken, "?permission=api:read")
	if v.status != http.StatusOK || v.header.Get("X-Auth-Tenant") != "globex" {
		t.Errorf("globex token: verify %d, tenant %q; want 200 in globex", v.status, v.header.Get("X-Auth-Tenant"))
	}
	if _, err := conf(e.srv.URL+"/oauth/token").PasswordCredentialsToken(t.Context(), "gadmin", "globex-admin-pw"); err == nil {
		t.Error("globex's admin got a token without acr_values, in the default tenant")
	} else if re, ok := err.(*oauth2.RetrieveError); !ok || re.ErrorCode != "invalid_grant" {
		t.Errorf("without acr_values: %v, want invalid_grant", err)
	}
}

// Refresh tokens slide: each one lives refresh_token_ttl from its own
// issue, so a client that keeps refreshing keeps its session, and one that
// stops for longer than that loses it.
func TestOAuthRefreshTokensSlide(t *testing.T) {
	e := newOAuthEnv(t)
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"refresh_token_ttl": 10 * 86400}), http.StatusOK, "10-day refresh tokens")
	r := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {adminPassword}, "client_id": {"cli"}})
	expect(t, r, http.StatusOK, "password grant")
	refresh := r.json(t)["refresh_token"].(string)
	for day := 8; day <= 32; day += 8 { // four refreshes, 8 days apart: 32 days in all
		e.clock.Advance(8 * 24 * time.Hour)
		r := e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cli"}})
		if r.status != http.StatusOK {
			t.Fatalf("refresh on day %d: %d %s", day, r.status, r.body)
		}
		refresh = r.json(t)["refresh_token"].(string)
	}
	e.clock.Advance(10*24*time.Hour + time.Second) // unused for longer than the TTL
	r = e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cli"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" {
		t.Errorf("refresh after 10 idle days: %d %s, want invalid_grant", r.status, r.body)
	}
}
