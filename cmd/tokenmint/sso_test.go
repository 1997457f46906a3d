package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/sso/ssotest"
)

// The operator sets a tenant's provider with `tokenmint sso set` on the
// database of a running server; the secret it seals opens in the server,
// and a person signs in through a real provider.
func TestSSOSetByTheOperatorSignsPeopleIn(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "default-admin-pw")
	if code := run([]string{"init", "--data-dir", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := openApp(context.Background(), &serverConfig{DataDir: dir}, log, tokenmint.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(func() { srv.Close(); a.close(context.Background()) })
	op := ssotest.Start(t, "tokenmint-cli", "cli-secret-123", srv.URL+"/ui/sso/callback")
	op.AddUser(ssotest.User{ID: "sub-ops", Username: "opsperson", Email: "ops@acme.example", Groups: []string{"Ops Team"}})

	secretFile := filepath.Join(dir, "sso-secret")
	if err := os.WriteFile(secretFile, []byte("cli-secret-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"sso", "set", "--data-dir", dir, "--name", "Acme", "--issuer-url", op.Issuer, "--client-id", "tokenmint-cli",
		"--client-secret-file", secretFile, "--map", "Ops Team=member", "--map", "nobody=viewer",
		"--local-passwords", "disabled", "--break-glass", "admin"}, nil, &out, &errb); code != 0 {
		t.Fatalf("sso set: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"sso", "show", "--data-dir", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("sso show: exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), "cli-secret-123") || !strings.Contains(out.String(), `"client_secret_set": true`) ||
		!strings.Contains(out.String(), `"local_passwords": "disabled"`) {
		t.Fatalf("sso show:\n%s", out.String())
	}
	if code := run([]string{"sso", "set", "--data-dir", dir, "--issuer-url", op.Issuer, "--client-id", "x", "--map", "bad"}, nil, &out, &errb); code == 0 {
		t.Fatal("sso set with a malformed --map succeeded")
	}

	jar, _ := cookiejar.New(nil)
	op.LoginAs("sub-ops")
	resp, err := (&http.Client{Jar: jar}).Get(srv.URL + "/ui/sso/start")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/ui/tokens" || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "opsperson") {
		t.Fatalf("sign-in ended at %s with %d: %s", resp.Request.URL, resp.StatusCode, body)
	}

	// token get --sso: the CLI prints the page's address and reads the
	// code the signed-in browser gets there.
	newCode := func() string {
		t.Helper()
		page, err := (&http.Client{Jar: jar}).Get(srv.URL + "/ui/cli-code")
		if err != nil {
			t.Fatal(err)
		}
		pb, _ := io.ReadAll(page.Body)
		page.Body.Close()
		csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(string(pb))
		if csrf == nil {
			t.Fatalf("no form on /ui/cli-code: %s", pb)
		}
		made, err := (&http.Client{Jar: jar}).PostForm(srv.URL+"/ui/cli-code", url.Values{"csrf_token": {csrf[1]}})
		if err != nil {
			t.Fatal(err)
		}
		mb, _ := io.ReadAll(made.Body)
		made.Body.Close()
		code := regexp.MustCompile(`id="cli-code" value="(tmcli_[^"]+)"`).FindStringSubmatch(string(mb))
		if code == nil {
			t.Fatalf("no code on the page: %s", mb)
		}
		return code[1]
	}
	code := newCode()
	out.Reset()
	errb.Reset()
	if rc := run([]string{"token", "get", "CIToken", "--url", srv.URL, "--sso", "--name", "from-sso"}, strings.NewReader(code+"\n"), &out, &errb); rc != 0 {
		t.Fatalf("token get --sso: exit %d: %s", rc, errb.String())
	}
	if !strings.Contains(errb.String(), srv.URL+"/ui/cli-code") {
		t.Errorf("token get --sso did not print the page's address: %s", errb.String())
	}
	tok := strings.TrimSpace(out.String())
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/auth/verify?permission=results:upload", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	vr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	vr.Body.Close()
	if vr.StatusCode != http.StatusOK {
		t.Fatalf("verify the token from token get --sso: %d", vr.StatusCode)
	}
	// tokenmint login --sso saves a login of the SSO user.
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	errb.Reset()
	if rc := run([]string{"login", "--url", srv.URL, "--sso"}, strings.NewReader(newCode()+"\n"), &out, &errb); rc != 0 {
		t.Fatalf("login --sso: exit %d: %s", rc, errb.String())
	}
	saved, err := os.ReadFile(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "tokenmint", "credentials.json"))
	if err != nil || !strings.Contains(string(saved), `"opsperson"`) {
		t.Fatalf("saved login: %s, %v", saved, err)
	}
	if rc := run([]string{"login", "--url", srv.URL, "--sso", "--user", "x"}, strings.NewReader("\n"), &out, &errb); rc == 0 {
		t.Fatal("login with --sso and --user succeeded")
	}

	// The code worked once: the CLI signed out.
	errb.Reset()
	if rc := run([]string{"token", "get", "CIToken", "--url", srv.URL, "--sso"}, strings.NewReader(code+"\n"), &out, &errb); rc == 0 || !strings.Contains(errb.String(), "not accepted") {
		t.Fatalf("second use of the code: exit %d: %s", rc, errb.String())
	}

	out.Reset()
	if code := run([]string{"sso", "delete", "--data-dir", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("sso delete: exit %d: %s", code, errb.String())
	}
	if code := run([]string{"sso", "show", "--data-dir", dir}, nil, &out, &errb); code == 0 {
		t.Fatal("sso show after delete succeeded")
	}
}
