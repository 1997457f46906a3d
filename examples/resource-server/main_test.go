package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"tokenmint"
	tmhttp "tokenmint/http"
	"tokenmint/oauth"
	"tokenmint/sdk"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// world is a running tokenmint (real HTTP handler, service and SQLite on a
// fake clock) and the example resource server in front of the SDK.
type world struct {
	t     *testing.T
	tm    *httptest.Server
	svc   *service.Service
	clock *tokenmint.FakeClock
	admin *http.Client
	csrf  string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	clock := tokenmint.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tm := httptest.NewUnstartedServer(nil)
	keys := oauth.NewKeyRing(oauth.KeyConfig{Store: db, MasterKey: secret.RandomMasterKey(), Clock: clock, Logger: log})
	svc := service.New(service.Config{
		Store: db, Types: typesfile.Defaults(), Clock: clock, Hasher: secret.NewHasher(bytes.Repeat([]byte{3}, 32)),
		Logger: log, PasswordParams: &secret.TestPasswordParams, Keys: keys, Issuer: "http://" + tm.Listener.Addr().String(),
	})
	if _, err := svc.Bootstrap(context.Background(), "admin-password-1"); err != nil {
		t.Fatal(err)
	}
	tm.Config.Handler = tmhttp.NewServer(tmhttp.Config{Service: svc, Logger: log})
	tm.Start()
	t.Cleanup(func() { tm.Close(); svc.Close(context.Background()); db.Close() })

	w := &world{t: t, tm: tm, svc: svc, clock: clock}
	jar, _ := cookiejar.New(nil)
	w.admin = &http.Client{Jar: jar}
	m := w.adminDo("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "admin-password-1"}, 200)
	w.csrf = m["csrf_token"].(string)
	return w
}

func (w *world) adminDo(method, path string, body any, want int) map[string]any {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, w.tm.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", w.csrf)
	resp, err := w.admin.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	return m
}

// resourceServer starts the example API with a verifier on the fake clock.
func (w *world) resourceServer(cfg sdk.Config) *httptest.Server {
	cfg.ServerURL, cfg.Now = w.tm.URL, w.clock.Now
	rs := httptest.NewServer(newHandler(sdk.New(cfg)))
	w.t.Cleanup(rs.Close)
	return rs
}

func get(t *testing.T, c *http.Client, u, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestClientCredentialsReachExampleEndpoint(t *testing.T) {
	w := newWorld(t)
	rs := w.resourceServer(sdk.Config{})
	app := w.adminDo("POST", "/api/v1/applications", map[string]any{"name": "reporter", "access_types": []string{"read-only"}}, 201)
	cred := w.adminDo("POST", "/api/v1/applications/"+app["id"].(string)+"/credentials", nil, 201)

	cc := clientcredentials.Config{
		ClientID: cred["client_id"].(string), ClientSecret: cred["client_secret"].(string),
		TokenURL: w.tm.URL + "/oauth/token", Scopes: []string{"reports:read"},
	}
	client := cc.Client(context.Background())
	resp, err := client.Get(rs.URL + "/reports")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || body["for"] != app["id"] || body["tenant"] != "default" {
		t.Fatalf("GET /reports: %d %v", resp.StatusCode, body)
	}
	if _, err := time.Parse(time.RFC3339, resp.Header.Get("X-Token-Expiration")); err != nil {
		t.Errorf("X-Token-Expiration = %q", resp.Header.Get("X-Token-Expiration"))
	}
	resp, err = client.Post(rs.URL+"/results", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `scope="results:upload"`) {
		t.Errorf("POST /results without the scope: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestSDKRefusals(t *testing.T) {
	w := newWorld(t)
	rs := w.resourceServer(sdk.Config{})
	resp := get(t, http.DefaultClient, rs.URL+"/whoami", "")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="tokenmint"` {
		t.Errorf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	for _, tok := range []string{"tmu_000000000000000000000000000000AAAAAA", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"} {
		resp := get(t, http.DefaultClient, rs.URL+"/whoami", tok)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("bad token %.6s: %d %q", tok, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// An opaque token revoked on the server is refused by the SDK once its
// cached answer is older than the cache TTL.
func TestSDKOpaqueRevocationWithinCacheTTL(t *testing.T) {
	w := newWorld(t)
	rs := w.resourceServer(sdk.Config{CacheTTL: 5 * time.Second})
	tok := w.adminDo("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "ci"}, 201)
	plain := tok["token"].(string)
	if r := get(t, http.DefaultClient, rs.URL+"/reports", plain); r.StatusCode != 200 {
		t.Fatalf("opaque token: %d", r.StatusCode)
	}
	w.adminDo("DELETE", "/api/v1/tokens/"+tok["id"].(string), nil, 204)
	if r := get(t, http.DefaultClient, rs.URL+"/reports", plain); r.StatusCode != 200 {
		t.Errorf("within the cache TTL the cached answer stands: %d", r.StatusCode)
	}
	w.clock.Advance(5 * time.Second)
	if r := get(t, http.DefaultClient, rs.URL+"/reports", plain); r.StatusCode != 401 {
		t.Errorf("after the cache TTL a revoked token is refused: %d", r.StatusCode)
	}
}

func (w *world) clientJWT(scope string) (jwt, clientID, clientSecret string) {
	w.t.Helper()
	app := w.adminDo("POST", "/api/v1/applications", map[string]any{"name": "bot" + strings.ReplaceAll(scope, ":", ""), "access_types": []string{"read-only"}}, 201)
	cred := w.adminDo("POST", "/api/v1/applications/"+app["id"].(string)+"/credentials", nil, 201)
	clientID, clientSecret = cred["client_id"].(string), cred["client_secret"].(string)
	resp, err := http.PostForm(w.tm.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {clientSecret}, "scope": {scope}})
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return m["access_token"].(string), clientID, clientSecret
}

func TestSDKJWTOfflineRotationAndRevocation(t *testing.T) {
	w := newWorld(t)
	offline := w.resourceServer(sdk.Config{})
	online := w.resourceServer(sdk.Config{CheckJWTRevocation: true, CacheTTL: 5 * time.Second})
	jwt, id, sec := w.clientJWT("reports:read")
	for _, rs := range []*httptest.Server{offline, online} {
		if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 200 {
			t.Fatalf("JWT: %d", r.StatusCode)
		}
	}

	// After a key rotation, a token of the new key makes the SDK refetch
	// the JWKS (at most once per JWKSRefreshInterval).
	if err := w.svc.Keys().Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(2 * time.Second)
	resp, err := http.PostForm(w.tm.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {sec}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if r := get(t, http.DefaultClient, offline.URL+"/reports", m["access_token"].(string)); r.StatusCode != 200 {
		t.Errorf("token of the rotated key: %d", r.StatusCode)
	}

	// Revocation: the online-checking SDK refuses within its cache TTL;
	// the offline one, by design, only at expiry.
	r, err := http.PostForm(w.tm.URL+"/oauth/revoke", url.Values{"token": {jwt}, "client_id": {id}, "client_secret": {sec}})
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", err, r.StatusCode)
	}
	r.Body.Close()
	w.clock.Advance(5 * time.Second)
	if r := get(t, http.DefaultClient, online.URL+"/reports", jwt); r.StatusCode != 401 {
		t.Errorf("revoked JWT, online check: %d", r.StatusCode)
	}
	if r := get(t, http.DefaultClient, offline.URL+"/reports", jwt); r.StatusCode != 200 {
		t.Errorf("revoked JWT, offline verification (accepted until expiry): %d", r.StatusCode)
	}
	w.clock.Advance(time.Hour)
	if r := get(t, http.DefaultClient, offline.URL+"/reports", jwt); r.StatusCode != 401 {
		t.Errorf("expired JWT offline: %d", r.StatusCode)
	}
}
