package http_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tokenmint"
	tmhttp "tokenmint/http"
	"tokenmint/oauth"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
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
	dbPath := filepath.Join(t.TempDir(), "tokenmint.db")
	db, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: db}
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	keys := oauth.NewKeyRing(oauth.KeyConfig{Store: store, MasterKey: secret.RandomMasterKey(), Clock: clock, Logger: log})
	svc := service.New(service.Config{
		Store: store, Types: typesfile.Defaults(), Clock: clock,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{7}, 32)), Logger: log,
		PasswordParams: &secret.TestPasswordParams, Keys: keys, Issuer: issuer,
	})
	if _, err := svc.Bootstrap(context.Background(), adminPassword); err != nil {
		t.Fatal(err)
	}
	if err := keys.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Behind a trusted proxy (the loopback), so tests can speak from
	// several client IPs with X-Forwarded-For.
	srv.Config.Handler = tmhttp.NewServer(tmhttp.Config{Service: svc, Logger: log, TrustedProxies: loopbackNetworks})
	srv.Start()
	e := &env{t: t, srv: srv, svc: svc, store: store, db: db, clock: clock, dbPath: dbPath}
	t.Cleanup(func() {
		srv.Close()
		svc.Close(context.Background())
		db.Close()
	})
	e.admin = e.login("admin", adminPassword)
	return e
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
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// oauthError returns the "error" of an RFC 6749 error answer, failing
// unless the body has that shape.
func (r response) oauthError(t *testing.T) string {
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
