package http_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// jwtPayload returns the claims of a JWT without verifying it: these tests
// look at what the server wrote, the signature is tested elsewhere.
func jwtPayload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// oauthDescription returns error_description of an RFC 6749 error answer.
func (r response) oauthDescription(t testing.TB) string {
	t.Helper()
	r.oauthError(t)
	var b struct {
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(r.body, &b)
	return b.Description
}

// createRolelessUser makes a user without any tenant role (password
// NAME-password) and returns its ID.
func (e *env) createRolelessUser(name string) string {
	e.t.Helper()
	r := e.admin.do("POST", "/api/v1/users", map[string]any{"username": name, "password": name + "-password", "roles": []string{}})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create user %s: %d %s", name, r.status, r.body)
	}
	return r.json(e.t)["id"].(string)
}

func passwordForm(user, pass string, extra ...string) url.Values {
	v := url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// Only a well-formed Tenant:NAME selects a tenant; the prefix is
// case-insensitive; anything else is invalid_request, never a silent login
// into the default tenant.
func TestOAuthACRValuesMustBeWellFormed(t *testing.T) {
	e := newOAuthEnv(t)
	if _, _, err := e.svc.CreateTenant(t.Context(), "globex", "admin", "globex-admin-pw"); err != nil {
		t.Fatal(err)
	}
	// The default tenant's admin has the same name but another password:
	// a malformed acr_values falling back to the default tenant would
	// succeed with adminPassword.
	for _, acr := range []string{"acme", "tenant=globex", "Tenant:", "tenant:", "Tenant:globex extra", "Tenant:globex Tenant:default", "Tenant: globex", ":globex", "Tenant:default\x00"} {
		t.Run("refused "+acr, func(t *testing.T) {
			r := e.form("/identity/connect/token", "", passwordForm("admin", adminPassword, "acr_values", acr))
			if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_request" {
				t.Fatalf("acr_values %q: %d %s, want 400 invalid_request", acr, r.status, r.body)
			}
			if d := r.oauthDescription(t); !strings.Contains(d, "Tenant:NAME") {
				t.Errorf("description %q does not say the expected form", d)
			}
		})
	}
	for _, acr := range []string{"Tenant:globex", "tenant:globex", "TENANT:globex", " Tenant:globex "} {
		t.Run("accepted "+acr, func(t *testing.T) {
			r := e.form("/identity/connect/token", "", passwordForm("admin", "globex-admin-pw", "acr_values", acr))
			if r.status != http.StatusOK {
				t.Fatalf("acr_values %q: %d %s", acr, r.status, r.body)
			}
			if c := jwtPayload(t, r.json(t)["access_token"].(string)); c["tenant"] != "globex" {
				t.Errorf("acr_values %q: tenant %v, want globex", acr, c["tenant"])
			}
		})
	}
	// Without acr_values (or with an empty one) the default tenant is meant.
	for _, v := range []url.Values{passwordForm("admin", adminPassword), passwordForm("admin", adminPassword, "acr_values", "")} {
		r := e.form("/oauth/token", "", v)
		if r.status != http.StatusOK || jwtPayload(t, r.json(t)["access_token"].(string))["tenant"] != "default" {
			t.Errorf("no acr_values: %d %s, want a token of the default tenant", r.status, r.body)
		}
	}
}

// The JWT's client_id names a registered client only when that client
// authenticated; any other client_id is the fixed public client
// "tokenmint", so a token never appears to come from a client that did not
// prove who it is.
func TestOAuthUnregisteredClientIDIsNotClaimed(t *testing.T) {
	e := newOAuthEnv(t)
	for _, id := range []string{"", "sca_resource_owner", "jenkins-prod"} {
		v := passwordForm("admin", adminPassword)
		if id != "" {
			v.Set("client_id", id)
		}
		r := e.form("/oauth/token", "", v)
		if r.status != http.StatusOK {
			t.Fatalf("client_id %q: %d %s", id, r.status, r.body)
		}
		m := r.json(t)
		if c := jwtPayload(t, m["access_token"].(string)); c["client_id"] != "tokenmint" {
			t.Errorf("client_id %q: the JWT claims client %v, want the public client tokenmint", id, c["client_id"])
		}
		// The refresh token keeps working for the same caller, with or
		// without the client_id it first named.
		rv := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}}
		if id != "" {
			rv.Set("client_id", id)
		}
		rr := e.form("/oauth/token", "", rv)
		if rr.status != http.StatusOK {
			t.Fatalf("refresh for client_id %q: %d %s", id, rr.status, rr.body)
		}
		if c := jwtPayload(t, rr.json(t)["access_token"].(string)); c["client_id"] != "tokenmint" {
			t.Errorf("refreshed for client_id %q: the JWT claims client %v", id, c["client_id"])
		}
	}
	// An authenticated client is named.
	_, cid, csec, _ := e.appClient("named", "read-only")
	r := e.form("/oauth/token", basicAuth(cid, csec), passwordForm("admin", adminPassword))
	if r.status != http.StatusOK || jwtPayload(t, r.json(t)["access_token"].(string))["client_id"] != cid {
		t.Errorf("authenticated client: %d %s, want its client_id in the JWT", r.status, r.body)
	}
	// Token exchange without client authentication: the token acts as its
	// own client, whatever client_id the form names.
	opaque, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	r = e.form("/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "client_id": {"spoofed"},
		"subject_token": {opaque}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	if r.status != http.StatusOK || jwtPayload(t, r.json(t)["access_token"].(string))["client_id"] != id {
		t.Errorf("exchange naming client spoofed: %d %s, want the token's ID as client_id", r.status, r.body)
	}
}

// A user whose rights come only from project memberships gets a token
// carrying those grants, usable on their projects; a scope problem names
// the scope.
func TestOAuthPasswordGrantForProjectOnlyMember(t *testing.T) {
	e := newOAuthEnv(t)
	if r := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "web"}); r.status != http.StatusCreated {
		t.Fatal(r.status, string(r.body))
	}
	e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "other"})
	carolID := e.createRolelessUser("carol")
	if r := e.admin.do("PUT", "/api/v1/projects/web/members/"+carolID, map[string]any{"role": "member"}); r.status != http.StatusOK {
		t.Fatalf("membership: %d %s", r.status, r.body)
	}
	r := e.form("/oauth/token", "", passwordForm("carol", "carol-password"))
	if r.status != http.StatusOK {
		t.Fatalf("password grant of a project-only member: %d %s", r.status, r.body)
	}
	m := r.json(t)
	if !strings.Contains(m["scope"].(string), "results:upload") {
		t.Errorf("scope %q lacks the project grant results:upload", m["scope"])
	}
	jwt := m["access_token"].(string)
	if v := e.verify("Bearer "+jwt, "?permission=results:upload&project=web"); v.status != http.StatusOK {
		t.Errorf("upload to her project: %d %s", v.status, v.body)
	}
	if v := e.verify("Bearer "+jwt, "?permission=results:upload&project=other"); v.status != http.StatusForbidden {
		t.Errorf("upload to another project: %d %s, want 403", v.status, v.body)
	}
	if v := e.verify("Bearer "+jwt, "?permission=results:upload"); v.status != http.StatusForbidden {
		t.Errorf("upload tenant-wide: %d %s, want 403", v.status, v.body)
	}
	// Refreshing keeps the project grants.
	rr := e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}})
	if rr.status != http.StatusOK || !strings.Contains(rr.json(t)["scope"].(string), "results:upload") {
		t.Errorf("refresh of a project-only member: %d %s", rr.status, rr.body)
	}
	// A scope beyond what she holds anywhere names that scope.
	r = e.form("/oauth/token", "", passwordForm("carol", "carol-password", "scope", "results:upload users:manage"))
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_scope" || !strings.Contains(r.oauthDescription(t), "users:manage") {
		t.Errorf("scope beyond her grants: %d %s, want invalid_scope naming users:manage", r.status, r.body)
	}
	// A user who holds nothing at all is told so, not "no permission" in
	// words that suggest a bad scope.
	e.createRolelessUser("dave")
	r = e.form("/oauth/token", "", passwordForm("dave", "dave-password"))
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_scope" || !strings.Contains(r.oauthDescription(t), "no role") {
		t.Errorf("user without any role: %d %s", r.status, r.body)
	}
}

// The Checkmarx SCA sample request gets a one-hour token unchanged: the
// vendor scopes are aliases of the owner's permissions.
func TestOAuthCheckmarxScopeAliases(t *testing.T) {
	e := newOAuthEnv(t)
	e.createUser("dev", "member")
	for _, scope := range []string{"sca_api", "sca_api access_control_api"} {
		for _, user := range []string{"admin", "dev"} {
			pw := adminPassword
			if user == "dev" {
				pw = "dev-password"
			}
			r := e.form("/identity/connect/token", "", passwordForm(user, pw, "scope", scope, "client_id", "sca_resource_owner", "acr_values", "Tenant:default"))
			if r.status != http.StatusOK {
				t.Fatalf("%s, scope %q: %d %s", user, scope, r.status, r.body)
			}
			m := r.json(t)
			if m["expires_in"] != float64(3600) {
				t.Errorf("%s, scope %q: expires_in %v, want 3600", user, scope, m["expires_in"])
			}
			if v := e.verify("Bearer "+m["access_token"].(string), "?permission=results:upload"); v.status != http.StatusOK {
				t.Errorf("%s, scope %q: verify results:upload %d", user, scope, v.status)
			}
			admin := e.verify("Bearer "+m["access_token"].(string), "?permission=users:manage").status
			if (user == "admin") != (admin == http.StatusOK) {
				t.Errorf("%s, scope %q: users:manage %d", user, scope, admin)
			}
		}
	}
	r := e.form("/identity/connect/token", "", passwordForm("dev", "dev-password", "scope", "sca_apii"))
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_scope" || !strings.Contains(r.oauthDescription(t), "sca_apii") {
		t.Errorf("unknown scope: %d %s, want invalid_scope naming it", r.status, r.body)
	}
	// The metadata lists the aliases among the scopes.
	md := e.admin.do("GET", "/.well-known/oauth-authorization-server", nil).json(t)
	if !strings.Contains(strings.Join(toStrings(md["scopes_supported"]), " "), "sca_api") {
		t.Errorf("scopes_supported = %v, want the alias sca_api", md["scopes_supported"])
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// A limited-use token cannot be exchanged for a JWT usable any number of
// times; the refusal spends nothing.
func TestOAuthExchangeRefusesLimitedUseTokens(t *testing.T) {
	e := newOAuthEnv(t)
	once, _, _ := e.admin.createToken(map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "job"})
	r := e.form("/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {once}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" || !strings.Contains(r.oauthDescription(t), "limited-use") {
		t.Fatalf("exchange of a single-use token: %d %s, want invalid_grant about limited use", r.status, r.body)
	}
	if v := e.verify("Bearer "+once, "?permission=results:upload"); v.status != http.StatusOK {
		t.Errorf("the refused exchange spent the token's use: verify %d", v.status)
	}
}

// An expired JWT says it expired.
func TestOAuthExpiredJWTSaysExpired(t *testing.T) {
	e := newOAuthEnv(t)
	jwt := e.form("/oauth/token", "", passwordForm("admin", adminPassword)).json(t)["access_token"].(string)
	e.clock.Advance(2 * time.Hour)
	v := e.verify("Bearer "+jwt, "")
	if v.status != http.StatusUnauthorized || !strings.Contains(v.message(t), "expired") {
		t.Errorf("expired JWT: %d %s, want 401 saying it expired", v.status, v.body)
	}
	// A forged one still says only that it is invalid.
	parts := strings.Split(jwt, ".")
	v = e.verify("Bearer "+parts[0]+"."+parts[1]+".AAAA", "")
	if v.status != http.StatusUnauthorized || strings.Contains(v.message(t), "expired") {
		t.Errorf("forged JWT: %d %s", v.status, v.body)
	}
}

// A FortiCWP credential sent to the password grant is told to use
// client_credentials.
func TestOAuthPasswordGrantWithAClientCredentialSaysWhatToDo(t *testing.T) {
	e := newOAuthEnv(t)
	_, _, _, cred := e.appClient("forti", "read-only")
	r := e.form("/api/v1/auth/credentials/token/", "Basic "+cred, url.Values{"grant_type": {"password"}})
	if r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_request" || !strings.Contains(r.oauthDescription(t), "grant_type=client_credentials") {
		t.Errorf("password grant with a client credential: %d %s", r.status, r.body)
	}
}

// GET (or any method but POST) on a token endpoint is an RFC 6749 JSON
// error with 405 and Allow: POST.
func TestOAuthTokenEndpointsRefuseOtherMethodsInJSON(t *testing.T) {
	e := newOAuthEnv(t)
	for _, path := range []string{"/oauth/token", "/identity/connect/token", "/api/v1/auth/credentials/token/", "/api/v1/auth/credentials/token", "/api/v1/auth/token/refresh", "/oauth/introspect", "/oauth/revoke"} {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		r := roundTrip(t, http.DefaultClient, req)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d Allow %q %s", path, r.status, r.header.Get("Allow"), r.body)
			continue
		}
		if r.oauthError(t) != "invalid_request" || !strings.Contains(r.oauthDescription(t), "POST") {
			t.Errorf("GET %s: %s", path, r.body)
		}
	}
}

// A rotated secret in its grace period still verifies but cannot be
// exchanged for a JWT, which would outlive the rotation.
func TestOAuthExchangeRefusesARetiredSecret(t *testing.T) {
	e := newOAuthEnv(t)
	old, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	r := e.admin.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 3600})
	if r.status != http.StatusOK && r.status != http.StatusCreated {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	fresh := r.json(t)["token"].(string)
	exchange := func(tok string) response {
		return e.form("/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
			"subject_token": {tok}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	}
	if r := exchange(old); r.status != http.StatusBadRequest || r.oauthError(t) != "invalid_grant" || !strings.Contains(r.oauthDescription(t), "grace period") {
		t.Errorf("exchange of the retired secret: %d %s", r.status, r.body)
	}
	if v := e.verify("Bearer "+old, "?permission=results:upload"); v.status != http.StatusOK {
		t.Errorf("the retired secret no longer verifies in its grace period: %d", v.status)
	}
	if r := exchange(fresh); r.status != http.StatusOK {
		t.Errorf("exchange of the new secret: %d %s", r.status, r.body)
	}
}
