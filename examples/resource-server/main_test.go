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
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
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
	admin *session // the default tenant's admin
}

// newWorld starts tokenmint; keys, if given, adjusts its signing key ring.
func newWorld(t *testing.T, keys ...func(*oauth.KeyConfig)) *world {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	clock := tokenmint.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tm := httptest.NewUnstartedServer(nil)
	kc := oauth.KeyConfig{Store: db, MasterKey: secret.RandomMasterKey(), Clock: clock, Logger: log}
	for _, f := range keys {
		f(&kc)
	}
	svc := service.New(service.Config{
		Store: db, Types: typesfile.Defaults(), Clock: clock, Hasher: secret.NewHasher(bytes.Repeat([]byte{3}, 32)),
		Logger: log, PasswordParams: &secret.TestPasswordParams, Keys: oauth.NewKeyRing(kc), Issuer: "http://" + tm.Listener.Addr().String(),
	})
	if _, err := svc.Bootstrap(context.Background(), "admin-password-1"); err != nil {
		t.Fatal(err)
	}
	tm.Config.Handler = tmhttp.NewServer(tmhttp.Config{Service: svc, Logger: log})
	tm.Start()
	t.Cleanup(func() { tm.Close(); svc.Close(context.Background()); db.Close() })

	w := &world{t: t, tm: tm, svc: svc, clock: clock}
	w.admin = w.login("", "admin", "admin-password-1")
	return w
}

// session is a signed-in browser session of a tenant's admin.
type session struct {
	w    *world
	http *http.Client
	csrf string
}

// login signs in to a tenant ("" for the default one).
func (w *world) login(tenant, username, password string) *session {
	w.t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{w: w, http: &http.Client{Jar: jar}}
	body := map[string]string{"username": username, "password": password}
	if tenant != "" {
		body["tenant"] = tenant
	}
	s.csrf = s.do("POST", "/api/v1/auth/login", body, 200)["csrf_token"].(string)
	return s
}

func (w *world) adminDo(method, path string, body any, want int) map[string]any {
	w.t.Helper()
	return w.admin.do(method, path, body, want)
}

func (s *session) do(method, path string, body any, want int) map[string]any {
	t := s.w.t
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.w.tm.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", s.csrf)
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	return m
}

// resourceServer starts the example API with a verifier of the world's
// tokenmint on its fake clock, unless cfg says otherwise.
func (w *world) resourceServer(cfg sdk.Config) *httptest.Server {
	if cfg.ServerURL == "" {
		cfg.ServerURL = w.tm.URL
	}
	if cfg.Now == nil {
		cfg.Now = w.clock.Now
	}
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

// clientJWT creates an application with a credential in the session's
// tenant and returns a JWT access token of it for scope.
func (s *session) clientJWT(scope string) (jwt, clientID, clientSecret string) {
	s.w.t.Helper()
	app := s.do("POST", "/api/v1/applications", map[string]any{"name": "bot" + strings.ReplaceAll(scope, ":", ""), "access_types": []string{"read-only"}}, 201)
	cred := s.do("POST", "/api/v1/applications/"+app["id"].(string)+"/credentials", nil, 201)
	clientID, clientSecret = cred["client_id"].(string), cred["client_secret"].(string)
	return s.w.clientToken(clientID, clientSecret, scope), clientID, clientSecret
}

// clientToken is a client_credentials grant.
func (w *world) clientToken(clientID, clientSecret, scope string) string {
	w.t.Helper()
	resp, err := http.PostForm(w.tm.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {clientSecret}, "scope": {scope}})
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("client_credentials: %d %v", resp.StatusCode, m)
	}
	return m["access_token"].(string)
}

// revokeJWT revokes an access token through RFC 7009 and checks that
// introspection and the forward-auth endpoint refuse it at once.
func (w *world) revokeJWT(jwt, clientID, clientSecret string) {
	w.t.Helper()
	client := url.Values{"token": {jwt}, "client_id": {clientID}, "client_secret": {clientSecret}}
	r, err := http.PostForm(w.tm.URL+"/oauth/revoke", client)
	if err != nil {
		w.t.Fatalf("revoke: %v", err)
	}
	if r.StatusCode != 200 {
		w.t.Fatalf("revoke: %d", r.StatusCode)
	}
	r.Body.Close()
	app := w.adminDo("POST", "/api/v1/applications", map[string]any{"name": "introspector", "access_types": []string{"introspect"}}, 201)
	cred := w.adminDo("POST", "/api/v1/applications/"+app["id"].(string)+"/credentials", nil, 201)
	r, err = http.PostForm(w.tm.URL+"/oauth/introspect", url.Values{"token": {jwt},
		"client_id": {cred["client_id"].(string)}, "client_secret": {cred["client_secret"].(string)}})
	if err != nil {
		w.t.Fatal(err)
	}
	var in map[string]any
	json.NewDecoder(r.Body).Decode(&in)
	r.Body.Close()
	if in["active"] != false {
		w.t.Errorf("introspection of the revoked JWT: %v", in)
	}
	if r := get(w.t, http.DefaultClient, w.tm.URL+"/api/v1/auth/verify", jwt); r.StatusCode != 401 {
		w.t.Errorf("verify of the revoked JWT: %d", r.StatusCode)
	}
}

// By default the SDK asks the server about a JWT once per cache TTL, so a
// revoked JWT is refused at the latest one TTL after the revocation.
func TestSDKRefusesRevokedJWTWithinCacheTTL(t *testing.T) {
	w := newWorld(t)
	rs := w.resourceServer(sdk.Config{})
	jwt, id, sec := w.admin.clientJWT("reports:read")
	if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 200 {
		t.Fatalf("JWT: %d", r.StatusCode)
	}
	w.revokeJWT(jwt, id, sec)
	if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 200 {
		t.Errorf("within the cache TTL the cached answer stands: %d", r.StatusCode)
	}
	w.clock.Advance(sdk.DefaultCacheTTL)
	r := get(t, http.DefaultClient, rs.URL+"/reports", jwt)
	if r.StatusCode != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("revoked JWT after the cache TTL: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	// A resource server that never saw the token refuses it at once.
	if r := get(t, http.DefaultClient, w.resourceServer(sdk.Config{}).URL+"/whoami", jwt); r.StatusCode != 401 {
		t.Errorf("revoked JWT, fresh resource server: %d", r.StatusCode)
	}
}

// The opt-out: with OfflineJWT a revoked JWT is accepted until it expires,
// and the JWKS alone verifies it.
func TestSDKOfflineJWTAcceptsRevokedUntilExpiry(t *testing.T) {
	w := newWorld(t)
	rs := w.resourceServer(sdk.Config{OfflineJWT: true})
	jwt, id, sec := w.admin.clientJWT("reports:read")
	if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 200 {
		t.Fatalf("JWT: %d", r.StatusCode)
	}
	w.revokeJWT(jwt, id, sec)
	w.clock.Advance(sdk.DefaultCacheTTL)
	if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 200 {
		t.Errorf("revoked JWT, offline verification (accepted until expiry): %d", r.StatusCode)
	}
	w.clock.Advance(time.Hour)
	if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 401 {
		t.Errorf("expired JWT offline: %d", r.StatusCode)
	}
}

// When tokenmint cannot be reached, a JWT with a good signature is refused
// with 503 by default (its revocation cannot be checked) and accepted with
// OfflineJWT.
func TestSDKJWTRevocationCheckFailsClosed(t *testing.T) {
	w := newWorld(t)
	var down atomic.Bool
	target, _ := url.Parse(w.tm.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	via := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if down.Load() {
			panic(http.ErrAbortHandler) // drops the connection
		}
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(via.Close)
	checked := w.resourceServer(sdk.Config{ServerURL: via.URL})
	offline := w.resourceServer(sdk.Config{ServerURL: via.URL, OfflineJWT: true})
	jwt, _, _ := w.admin.clientJWT("reports:read")
	for _, rs := range []*httptest.Server{checked, offline} {
		if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 200 {
			t.Fatalf("JWT: %d", r.StatusCode)
		}
	}
	down.Store(true)
	w.clock.Advance(sdk.DefaultCacheTTL)
	if r := get(t, http.DefaultClient, checked.URL+"/reports", jwt); r.StatusCode != 503 {
		t.Errorf("tokenmint unreachable, default: %d, want 503", r.StatusCode)
	}
	if r := get(t, http.DefaultClient, offline.URL+"/reports", jwt); r.StatusCode != 200 {
		t.Errorf("tokenmint unreachable, OfflineJWT: %d", r.StatusCode)
	}
	down.Store(false)
	if r := get(t, http.DefaultClient, checked.URL+"/reports", jwt); r.StatusCode != 200 {
		t.Errorf("tokenmint back: %d", r.StatusCode)
	}
}

// A resource server whose clock is 1.5 s behind tokenmint's accepts a JWT
// issued a moment ago (iat and nbf are "in the future" by its clock).
func TestSDKAcceptsFreshJWTWithClockBehind(t *testing.T) {
	w := newWorld(t)
	behind := func() time.Time { return w.clock.Now().Add(-1500 * time.Millisecond) }
	checked := w.resourceServer(sdk.Config{Now: behind})
	offline := w.resourceServer(sdk.Config{Now: behind, OfflineJWT: true})
	jwt, _, _ := w.admin.clientJWT("reports:read")
	for name, rs := range map[string]*httptest.Server{"default": checked, "offline": offline} {
		if r := get(t, http.DefaultClient, rs.URL+"/reports", jwt); r.StatusCode != 200 {
			t.Errorf("%s: fresh JWT, clock 1.5s behind: %d", name, r.StatusCode)
		}
	}
}

// A resource server pinned to a tenant refuses the tokens of another
// tenant, opaque or JWT, with 401 and an RFC 6750 challenge.
func TestSDKRefusesAnotherTenantsTokens(t *testing.T) {
	w := newWorld(t)
	if _, _, err := w.svc.CreateTenant(context.Background(), "globex", "root", "root-password-1"); err != nil {
		t.Fatal(err)
	}
	globex := w.login("globex", "root", "root-password-1")
	tokens := map[string]map[string]string{"default": {}, "globex": {}}
	for tenant, s := range map[string]*session{"default": w.admin, "globex": globex} {
		tokens[tenant]["opaque"] = s.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "ci"}, 201)["token"].(string)
		tokens[tenant]["JWT"], _, _ = s.clientJWT("reports:read")
	}
	servers := map[string]*httptest.Server{
		"default": w.resourceServer(sdk.Config{Tenant: "default"}),
		"globex":  w.resourceServer(sdk.Config{Tenant: "globex"}),
		"":        w.resourceServer(sdk.Config{}),
		"offline": w.resourceServer(sdk.Config{Tenant: "default", OfflineJWT: true}),
	}
	for pin, rs := range servers {
		for tenant, toks := range tokens {
			for kind, tok := range toks {
				want := 200
				if pin != "" && pin != tenant && !(pin == "offline" && tenant == "default") {
					want = 401
				}
				r := get(t, http.DefaultClient, rs.URL+"/reports", tok)
				if r.StatusCode != want {
					t.Errorf("resource server of %q, %s token of %s: %d, want %d", pin, kind, tenant, r.StatusCode, want)
				}
				if want == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), `Bearer realm="tokenmint", error="invalid_token"`) {
					t.Errorf("resource server of %q, %s token of %s: WWW-Authenticate %q", pin, kind, tenant, r.Header.Get("WWW-Authenticate"))
				}
			}
		}
	}
	// Another tenant's single-use token is refused by the server before
	// its use is spent: it still works once in its own tenant.
	once := globex.do("POST", "/api/v1/tokens", map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "job"}, 201)["token"].(string)
	if r := get(t, http.DefaultClient, servers["default"].URL+"/reports", once); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("globex's single-use token at default's resource server: %d, want 401", r.StatusCode)
	}
	if r := get(t, http.DefaultClient, w.tm.URL+"/api/v1/auth/verify?tenant=globex", once); r.StatusCode != http.StatusOK {
		t.Errorf("the single-use token in its own tenant afterwards: %d, want 200 (its use was spent elsewhere)", r.StatusCode)
	}
}

// After a signing key rotation the SDK accepts tokens of the old key while
// tokenmint publishes it, and refuses them once it has left the JWKS: by
// default within the cache TTL (tokenmint refuses them), offline within
// the JWKS max age. tokenmint keeps a retired key published until every
// token it signed has expired; here the ring's MaxTokenTTL is shorter
// than the tokens' hour, so the key leaves first, as a withdrawn key would.
func TestSDKKeyRotationOldKeyUntilRetired(t *testing.T) {
	w := newWorld(t, func(c *oauth.KeyConfig) { c.MaxTokenTTL = 5 * time.Minute })
	checked := w.resourceServer(sdk.Config{})
	offline := w.resourceServer(sdk.Config{OfflineJWT: true})
	both := map[string]*httptest.Server{"default": checked, "offline": offline}
	expect := func(servers map[string]*httptest.Server, what, tok string, want int) {
		t.Helper()
		for name, rs := range servers {
			if r := get(t, http.DefaultClient, rs.URL+"/reports", tok); r.StatusCode != want {
				t.Errorf("%s, %s: %d, want %d", name, what, r.StatusCode, want)
			}
		}
	}
	jwks := func() int {
		t.Helper()
		resp, err := http.Get(w.tm.URL + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct{ Keys []any }
		json.NewDecoder(resp.Body).Decode(&set)
		return len(set.Keys)
	}
	old, id, sec := w.admin.clientJWT("reports:read")
	expect(both, "token of the first key", old, 200)

	// The old key is published until 5 min (MaxTokenTTL) + 1 min (Reload)
	// after the rotation.
	if err := w.svc.Keys().Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(2 * time.Second)
	fresh := w.clientToken(id, sec, "reports:read")
	expect(both, "token of the new key", fresh, 200)
	expect(both, "token of the old key after the rotation", old, 200)
	if n := jwks(); n != 2 {
		t.Fatalf("JWKS after the rotation: %d keys, want 2", n)
	}
	w.clock.Advance(6*time.Minute - 3*time.Second)
	expect(both, "token of the old key a second before it leaves the JWKS", old, 200)

	w.clock.Advance(2 * time.Second)
	if n := jwks(); n != 1 {
		t.Fatalf("JWKS after the old key's publication ended: %d keys, want 1", n)
	}
	w.clock.Advance(sdk.DefaultCacheTTL)
	expect(map[string]*httptest.Server{"default": checked}, "token of the retired key after the cache TTL", old, 401)
	w.clock.Advance(sdk.DefaultJWKSMaxAge)
	expect(both, "token of the retired key after the JWKS max age", old, 401)
	expect(both, "token of the new key", fresh, 200)
}
