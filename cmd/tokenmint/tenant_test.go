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
	"regexp"
	"strings"
	"testing"

	"tokenmint"
)

func TestTenantCreateMakesAnIsolatedTenant(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "default-admin-pw")
	if code := run([]string{"init", "--data-dir", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "")
	out.Reset()
	if code := run([]string{"tenant", "create", "--data-dir", dir, "--admin", "root", "acme"}, nil, &out, &errb); code != 0 {
		t.Fatalf("tenant create: exit %d: %s", code, errb.String())
	}
	m := regexp.MustCompile(`Generated password \(shown only now\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no generated password in:\n%s", out.String())
	}
	password := m[1]
	out.Reset()
	if code := run([]string{"tenant", "create", "--data-dir", dir, "acme"}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "already exists") {
		t.Fatalf("second create: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"tenant", "list", "--data-dir", dir}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "\tacme\t") || !strings.Contains(out.String(), "\tdefault\t") {
		t.Fatalf("tenant list: exit %d:\n%s", code, out.String())
	}
	if code := run([]string{"tenant", "create", "--data-dir", dir}, nil, &out, &errb); code == 0 {
		t.Fatal("tenant create without a name succeeded")
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := openApp(context.Background(), &serverConfig{DataDir: dir, AdminPassword: "default-admin-pw"}, log, tokenmint.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(func() { srv.Close(); a.close(context.Background()) })
	jar, _ := cookiejar.New(nil)
	acme := &session{t: t, base: srv.URL, c: &http.Client{Jar: jar}}
	st, body := acme.call("POST", "/api/v1/auth/login", `{"tenant":"acme","username":"root","password":"`+password+`"}`)
	if st != 200 {
		t.Fatalf("login to acme: %d %s", st, body)
	}
	var login map[string]any
	json.Unmarshal(body, &login)
	acme.csrf, _ = login["csrf_token"].(string)
	tok, id, st := acme.createToken("CIToken")
	if st != 201 {
		t.Fatalf("create in acme: %d", st)
	}
	if got := verifyOn(srv.URL, tok); got != 200 {
		t.Fatalf("acme token verifies %d", got)
	}
	// The root user of acme is not the admin of default, and the other way round.
	if st, _ := acme.call("POST", "/api/v1/auth/login", `{"username":"root","password":"`+password+`"}`); st != 401 {
		t.Errorf("acme's admin logged into the default tenant: %d", st)
	}
	def := (&instance{app: a, srv: srv}).loginWith(t, "default-admin-pw")
	if st, _ := def.call("GET", "/api/v1/tokens/"+id, ""); st != 404 {
		t.Errorf("default's admin sees acme's token: %d", st)
	}
}
