package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
)

func TestMigrateMovesASQLiteInstallToPostgreSQL(t *testing.T) {
	dataDir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := &serverConfig{DataDir: dataDir, AdminPassword: "migrate-admin-pw"}
	lite, err := openApp(context.Background(), cfg, log, tokenmint.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(lite.handler)
	in := &instance{app: lite, srv: srv}
	s := loginAs(t, in, "migrate-admin-pw")
	if st, body := s.call("POST", "/api/v1/projects", `{"name":"web"}`); st != 201 {
		t.Fatalf("project: %d %s", st, body)
	}
	if st, body := s.call("POST", "/api/v1/users", `{"username":"erin","password":"erin-password","roles":["member"]}`); st != 201 {
		t.Fatalf("user: %d %s", st, body)
	}
	var tokens []string
	types := []string{"CIToken", "UserToken", "ReportToken", "ScanCentralOneTimeJobToken"}
	// permissions[i] is one permission of types[i].
	permissions := []string{"results:upload", "users:manage", "reports:write", "results:upload"}
	for _, typ := range types {
		tok, _, st := s.createToken(typ)
		if st != 201 {
			t.Fatalf("create %s: %d", typ, st)
		}
		tokens = append(tokens, tok)
	}
	revoked, revokedID, _ := s.createToken("CIToken")
	s.call("DELETE", "/api/v1/tokens/"+revokedID, "")
	for i := 0; i < 5; i++ {
		verifyOn(srv.URL, tokens[0])
	}
	for i := 1; i < 3; i++ {
		if got := verifyFor(srv.URL, tokens[i], permissions[i]); got != 200 {
			t.Fatalf("%s verifies %d before migration", types[i], got)
		}
	}
	srv.Close()
	if err := lite.close(context.Background()); err != nil { // flushes usage
		t.Fatal(err)
	}

	url := postgrestest.Start(t).NewDatabase(t)
	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "--data-dir", dataDir, "--to", url}, nil, &out, &errb); code != 0 {
		t.Fatalf("migrate exit %d: %s %s", code, out.String(), errb.String())
	}
	for _, want := range []string{"tokens", "token_secrets", "users", "audit_log", "TOKENMINT_PEPPER", "TOKENMINT_MASTER_KEY"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("migrate output lacks %q:\n%s", want, out.String())
		}
	}
	// A second run refuses to copy into a database that holds data.
	if code := run([]string{"migrate", "--data-dir", dataDir, "--to", url}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "already holds") {
		t.Fatalf("second migrate: exit %d, %s", code, errb.String())
	}

	// A PostgreSQL instance with the install's pepper serves the same tokens.
	pepper, err := os.ReadFile(filepath.Join(dataDir, "pepper"))
	if err != nil {
		t.Fatal(err)
	}
	masterKey, err := os.ReadFile(filepath.Join(dataDir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	pgCfg := &serverConfig{DataDir: t.TempDir(), Database: url, Pepper: strings.TrimSpace(string(pepper)), MasterKey: strings.TrimSpace(string(masterKey))}
	pgApp, err := openApp(context.Background(), pgCfg, log, tokenmint.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	if pgApp.boot.Created {
		t.Fatal("the PostgreSQL instance bootstrapped a new tenant instead of using the copied one")
	}
	pgSrv := httptest.NewServer(pgApp.handler)
	t.Cleanup(func() { pgSrv.Close(); pgApp.close(context.Background()) })
	for i, tok := range tokens { // the single-use one (last) is spent here, once
		if got := verifyFor(pgSrv.URL, tok, permissions[i]); got != 200 {
			t.Fatalf("%s verifies %d after migration", types[i], got)
		}
	}
	if got := verifyOn(pgSrv.URL, revoked); got != 401 {
		t.Fatalf("revoked token verifies %d after migration", got)
	}
	if got := verifyOn(pgSrv.URL, tokens[3]); got != 401 {
		t.Fatalf("single-use token verifies %d a second time", got)
	}
	pgSession := loginAs(t, &instance{app: pgApp, srv: pgSrv}, "migrate-admin-pw")
	st, body := pgSession.call("GET", "/api/v1/tokens?all=true", "")
	if st != 200 || strings.Count(string(body), `"id"`) != 5 || !strings.Contains(string(body), `"uses":5`) {
		t.Fatalf("token list after migration: %d %s", st, body)
	}
	// New audit entries get fresh IDs after the copied ones.
	if tok, _, st := pgSession.createToken("CIToken"); st != 201 || verifyOn(pgSrv.URL, tok) != 200 {
		t.Fatalf("create after migration: %d", st)
	}
}

func loginAs(t *testing.T, in *instance, password string) *session {
	t.Helper()
	return in.loginWith(t, password)
}
