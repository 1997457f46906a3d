package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
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

const adminPassword = "admin-password-1"

// countingStore counts secret lookups, to prove mistyped tokens never reach
// the store.
type countingStore struct {
	tokenmint.Store
	secretLookups atomic.Int64
}

func (c *countingStore) TokenBySecret(ctx context.Context, h []byte) (*tokenmint.Token, *time.Time, error) {
	c.secretLookups.Add(1)
	return c.Store.TokenBySecret(ctx, h)
}

// env is a running tokenmint: a real SQLite file, the real service and the
// real HTTP handler behind httptest.NewServer, on a fake clock.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	svc    *service.Service
	store  *countingStore
	db     *sqlite.DB
	clock  *tokenmint.FakeClock
	admin  *client
	dbPath string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvLogging(t, io.Discard)
}

// newEnvLogging is newEnv with the server's debug logs written to logs.
func newEnvLogging(t *testing.T, logs io.Writer) *env {
	t.Helper()
	return startEnv(t, logs, false)
}

// startEnv runs the server of newEnv (oauth false) or newOAuthEnv (oauth
// true: the issuer is the test server's own URL, as a deployment's would
// be, with a key ring on the fake clock, behind the loopback as a trusted
// proxy so tests can speak from several client IPs).
// opts change the service's configuration before it starts (a types
// registry of the test's own, say).
func startEnv(t testing.TB, logs io.Writer, oauthSetup bool, opts ...func(*service.Config)) *env {
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
	cfg := service.Config{
		Store: store, Types: typesfile.Defaults(), Clock: clock,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{7}, 32)), Logger: log,
		PasswordParams: &secret.TestPasswordParams,
	}
	httpCfg := tmhttp.Config{Logger: log}
	if oauthSetup {
		cfg.Issuer = "http://" + srv.Listener.Addr().String()
		httpCfg.TrustedProxies = loopbackNetworks
	} else {
		// The browser tests' webhook receiver listens on the loopback.
		cfg.Lifecycle.WebhookAllowedNetworks = loopbackNetworks
	}
	for _, o := range opts {
		o(&cfg) // may wrap the store: the key ring below reads the wrapped one
	}
	if oauthSetup {
		cfg.Keys = oauth.NewKeyRing(oauth.KeyConfig{Store: cfg.Store, MasterKey: secret.RandomMasterKey(), Clock: clock, Logger: log})
	}
	svc := service.New(cfg)
	if _, err := svc.Bootstrap(context.Background(), adminPassword); err != nil {
		t.Fatal(err)
	}
	if cfg.Keys != nil {
		if err := cfg.Keys.Ensure(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	httpCfg.Service = svc
	srv.Config.Handler = tmhttp.NewServer(httpCfg)
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

// loopbackNetworks are the test receivers' addresses, which webhooks may
// reach only when the operator allows them.
var loopbackNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// client is an API caller with either a session cookie or a token.
type client struct {
	e     *env
	http  *http.Client
	token string
	csrf  string
}

func (e *env) login(username, password string) *client {
	e.t.Helper()
	return e.loginTenant("", username, password)
}

func (e *env) loginTenant(tenant, username, password string) *client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{e: e, http: &http.Client{Jar: jar}}
	resp := c.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password, "tenant": tenant})
	if resp.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", username, resp.status, resp.body)
	}
	c.csrf = resp.json(e.t)["csrf_token"].(string)
	return c
}

func (e *env) withToken(tok string) *client {
	return &client{e: e, http: &http.Client{}, token: tok}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// errorCode returns error.code of a JSON error body, failing when the body
// does not have the error shape.
func (r response) errorCode(t testing.TB) string {
	t.Helper()
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not a JSON error body (%v): %s", err, r.body)
	}
	return b.Error.Code
}

func (r response) message(t testing.TB) string {
	t.Helper()
	r.errorCode(t)
	var b struct {
		Error struct{ Message string } `json:"error"`
	}
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Message
}

// do sends body as JSON (a string or []byte is sent raw).
func (c *client) do(method, path string, body any) response {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.csrf != "" {
		req.Header.Set(tmhttp.CSRFHeader, c.csrf)
	}
	return roundTrip(c.e.t, c.http, req)
}

// createToken creates a token and fails the test unless it gets 201.
func (c *client) createToken(body map[string]any) (plain, encoded, id string) {
	c.e.t.Helper()
	r := c.do("POST", "/api/v1/tokens", body)
	if r.status != http.StatusCreated {
		c.e.t.Fatalf("create token %v: %d %s", body, r.status, r.body)
	}
	m := r.json(c.e.t)
	return m["token"].(string), m["encoded"].(string), m["id"].(string)
}

// roundTrip sends req with hc and reads the whole answer, failing the test
// when the request cannot be made.
func roundTrip(t testing.TB, hc *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// verify calls the forward-auth endpoint with an Authorization header.
func (e *env) verify(authorization, query string) response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/auth/verify"+query, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return roundTrip(e.t, http.DefaultClient, req)
}

// createUser makes a user through the API and returns a logged-in client.
func (e *env) createUser(name string, roles ...string) (*client, string) {
	e.t.Helper()
	r := e.admin.do("POST", "/api/v1/users", map[string]any{"username": name, "password": name + "-password", "roles": roles})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create user %s: %d %s", name, r.status, r.body)
	}
	return e.login(name, name+"-password"), r.json(e.t)["id"].(string)
}

// counts returns the number of tokens and audit entries, to prove a refused
// request changed nothing.
func (e *env) counts() (tokens, audit int) {
	e.t.Helper()
	ctx := context.Background()
	tenant, err := e.db.TenantByName(ctx, "default")
	if err != nil {
		e.t.Fatal(err)
	}
	toks, err := e.db.ListTokens(ctx, tokenmint.TokenFilter{TenantID: tenant.ID, Now: e.clock.Now(), Limit: 10000})
	if err != nil {
		e.t.Fatal(err)
	}
	entries, err := e.db.ListAudit(ctx, tokenmint.AuditFilter{TenantID: tenant.ID, Limit: 10000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(toks), len(entries)
}

// doWithContentType sends a raw body with an explicit Content-Type.
func (c *client) doWithContentType(method, path, body, contentType string) response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(tmhttp.CSRFHeader, c.csrf)
	return roundTrip(c.e.t, c.http, req)
}
