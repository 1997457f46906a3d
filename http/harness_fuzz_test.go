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

// fuzzEnv is one running tokenmint for a whole fuzz target: startEnv's
// server (real SQLite, real service, real handler, OAuth keys, cheap
// password hashing) set up once, since a fuzz target runs its function
// thousands of times a second and cannot afford a server per input.
type fuzzEnv struct {
	srv *httptest.Server
	hc  *http.Client // the admin's session (cookie jar)
	// hcNoSession sends requests without the admin's session.
	hcNoSession *http.Client
	csrf        string
	clock       *tokenmint.FakeClock
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	db, err := sqlite.Open(filepath.Join(f.TempDir(), "tokenmint.db"))
	if err != nil {
		f.Fatal(err)
	}
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewUnstartedServer(nil)
	keys := oauth.NewKeyRing(oauth.KeyConfig{Store: db, MasterKey: secret.RandomMasterKey(), Clock: clock, Logger: log})
	svc := service.New(service.Config{
		Store: db, Types: typesfile.Defaults(), Clock: clock,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{7}, 32)), Logger: log,
		PasswordParams: &secret.TestPasswordParams, Keys: keys, Issuer: "http://" + srv.Listener.Addr().String(),
	})
	if _, err := svc.Bootstrap(context.Background(), adminPassword); err != nil {
		f.Fatal(err)
	}
	if err := keys.Ensure(context.Background()); err != nil {
		f.Fatal(err)
	}
	srv.Config.Handler = tmhttp.NewServer(tmhttp.Config{Service: svc, Logger: log})
	srv.Start()
	f.Cleanup(func() {
		srv.Close()
		svc.Close(context.Background())
		db.Close()
	})
	jar, _ := cookiejar.New(nil)
	// A bound on every answer turns a hung request into a failure that
	// names its input, rather than a fuzzer that stops making progress.
	e := &fuzzEnv{srv: srv, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second},
		hcNoSession: &http.Client{Timeout: 10 * time.Second}, clock: clock}
	r := e.admin(f, "POST", "/api/v1/auth/login", `{"username":"admin","password":"`+adminPassword+`"}`)
	if r.status != http.StatusOK {
		f.Fatalf("login: %d %s", r.status, r.body)
	}
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(r.body, &login); err != nil || login.CSRF == "" {
		f.Fatalf("login answer %s: %v", r.body, err)
	}
	e.csrf = login.CSRF
	return e
}

// admin sends a JSON body (empty for none) in the admin's session.
func (e *fuzzEnv) admin(tb testing.TB, method, path, body string) response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.csrf != "" {
		req.Header.Set(tmhttp.CSRFHeader, e.csrf)
	}
	return roundTrip(tb, e.hc, req)
}

// mustAdmin is admin that fails unless the answer has the status want,
// for the fixtures a target sets up, and returns the decoded JSON object.
func (e *fuzzEnv) mustAdmin(f *testing.F, want int, method, path, body string) map[string]any {
	f.Helper()
	r := e.admin(f, method, path, body)
	if r.status != want {
		f.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		f.Fatalf("%s %s: not a JSON object: %s", method, path, r.body)
	}
	return m
}

// checkNoServerError fails on a 5xx answer or a body that is not JSON:
// no input a client sends may make the server fail.
func checkNoServerError(t *testing.T, what string, r response) {
	t.Helper()
	if r.status >= 500 {
		t.Fatalf("%s: %d %s", what, r.status, r.body)
	}
	if len(r.body) > 0 && !json.Valid(r.body) {
		t.Fatalf("%s: %d answer is not JSON: %q", what, r.status, r.body)
	}
}
