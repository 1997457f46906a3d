package http_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// newOAuthEnv is newEnv whose issuer is the test server's own URL, as a
// deployment's would be, with a key ring on the fake clock.
func newOAuthEnv(t *testing.T) *env {
	t.Helper()
	return newOAuthEnvLogging(t, io.Discard)
}

// newOAuthEnvLogging is newOAuthEnv with the server's debug logs written
// to logs.
func newOAuthEnvLogging(t *testing.T, logs io.Writer) *env {
	t.Helper()
	return startEnv(t, logs, true)
}

// form posts a form to path with an optional Authorization header.
func (e *env) form(path, authorization string, values url.Values) response {
	e.t.Helper()
	return e.formFrom("", path, authorization, values)
}

// formFrom is form sent on behalf of client IP ip (X-Forwarded-For; the
// OAuth test server trusts the loopback as its proxy).
func (e *env) formFrom(ip, path, authorization string, values url.Values) response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	return roundTrip(e.t, http.DefaultClient, req)
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// oauthError returns the "error" of an RFC 6749 error answer, failing
// unless the body has that shape.
func (r response) oauthError(t testing.TB) string {
	t.Helper()
	var b struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil || b.Error == "" {
		t.Fatalf("not an OAuth error body (%v): %d %s", err, r.status, r.body)
	}
	return b.Error
}

// appClient creates an application with the access types and one client
// credential.
func (e *env) appClient(name string, accessTypes ...string) (appID, clientID, clientSecret, credential string) {
	e.t.Helper()
	appID = e.createApp(name, accessTypes...)
	_, clientID, clientSecret, credential = e.createCredential(appID)
	return
}

// clientToken obtains a client_credentials access token.
func (e *env) clientToken(clientID, clientSecret, scope string) string {
	e.t.Helper()
	v := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		v.Set("scope", scope)
	}
	r := e.form("/oauth/token", basicAuth(clientID, clientSecret), v)
	if r.status != http.StatusOK {
		e.t.Fatalf("client_credentials: %d %s", r.status, r.body)
	}
	return r.json(e.t)["access_token"].(string)
}
