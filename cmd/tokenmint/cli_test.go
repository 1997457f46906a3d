package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	tmhttp "tokenmint/http"

	"tokenmint"
)

const testAdminPassword = "correct-horse-battery-42"

var plainTokenRE = regexp.MustCompile(`^tmu_[0-9A-Za-z]{36}$`)

// startServer runs a real tokenmint (SQLite in a temp dir, the real service
// and HTTP handler) and returns its URL. It also isolates the client side
// from the developer's environment and saved login.
func startServer(t *testing.T) string {
	t.Helper()
	isolateClient(t)
	cfg := &serverConfig{DataDir: t.TempDir(), AdminPassword: testAdminPassword, Listen: "127.0.0.1:0"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := openApp(context.Background(), cfg, log, tokenmint.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return srv.URL
}

// isolateClient points the credentials file into a temp dir and clears the
// client's environment variables.
func isolateClient(t *testing.T) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	t.Setenv("TOKENMINT_URL", "")
	t.Setenv("TOKENMINT_TOKEN", "")
}

// cli runs the tokenmint command line in-process.
func cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// mustCLI runs the command line and fails the test unless it succeeds.
func mustCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errs := cli(t, stdin, args...)
	if code != 0 {
		t.Fatalf("tokenmint %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// verifyStatus asks the forward-auth endpoint about token with plain
// net/http, independent of the client under test.
func verifyStatus(t *testing.T, baseURL, token, permission string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/api/v1/auth/verify?permission="+permission, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// getToken runs 'token get' as admin and returns the printed token.
func getToken(t *testing.T, url, typ string) string {
	t.Helper()
	out := mustCLI(t, testAdminPassword+"\n", "token", "get", typ, "--url", url, "--user", "admin", "--password")
	tok := strings.TrimSuffix(out, "\n")
	if !plainTokenRE.MatchString(tok) {
		t.Fatalf("token get printed %q, want only a token", out)
	}
	return tok
}

func TestTokenGetPrintsOnlyAWorkingToken(t *testing.T) {
	url := startServer(t)
	code, out, errs := cli(t, testAdminPassword+"\n", "token", "get", "CIToken", "--url", url, "--user", "admin", "--password")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 || !plainTokenRE.MatchString(strings.TrimSpace(out)) {
		t.Fatalf("stdout = %q, want exactly one line with the token", out)
	}
	if strings.Contains(errs, testAdminPassword) {
		t.Fatal("the password appeared on stderr")
	}
	tok := strings.TrimSpace(out)
	if got := verifyStatus(t, url, tok, "results:upload"); got != http.StatusOK {
		t.Fatalf("verify results:upload = %d, want 200", got)
	}
	// The token has its type's permissions, not the admin's.
	if got := verifyStatus(t, url, tok, "users:manage"); got != http.StatusForbidden {
		t.Fatalf("verify users:manage = %d, want 403", got)
	}

	// --password-stdin is the same flag; the flags may come before TYPE.
	out = mustCLI(t, testAdminPassword+"\n", "token", "get", "--url", url, "--user", "admin", "--password-stdin", "--name", "nightly", "--days", "3", "AnalysisUploadToken")
	tok2 := strings.TrimSpace(out)
	if got := verifyStatus(t, url, tok2, "results:upload"); got != http.StatusOK {
		t.Fatalf("verify of the second token = %d, want 200", got)
	}
	// A CIToken may not manage tokens; a UserToken lists them.
	t.Setenv("TOKENMINT_TOKEN", tok)
	code, _, errs = cli(t, "", "token", "list", "--url", url)
	if code != 1 || !strings.Contains(errs, "(HTTP 403)") {
		t.Fatalf("list with a CIToken: exit %d, stderr %q; want 1 and HTTP 403", code, errs)
	}
	t.Setenv("TOKENMINT_TOKEN", getToken(t, url, "UserToken"))
	t.Setenv("TOKENMINT_URL", url)
	var list struct {
		Items []struct {
			Name, Type string
			ExpiresAt  *time.Time `json:"expires_at"`
		}
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "", "token", "list", "--type", "AnalysisUploadToken", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "nightly" || list.Items[0].ExpiresAt == nil ||
		time.Until(*list.Items[0].ExpiresAt) > 3*24*time.Hour || time.Until(*list.Items[0].ExpiresAt) < 3*24*time.Hour-time.Hour {
		t.Fatalf("the --name/--days token is listed as %+v", list.Items)
	}
}

func TestWrongPasswordFailsWithoutEchoingIt(t *testing.T) {
	url := startServer(t)
	const wrong = "Wrong-Secret-Password-7"
	for _, args := range [][]string{
		{"token", "get", "CIToken", "--url", url, "--user", "admin", "--password"},
		{"login", "--url", url, "--user", "admin", "--password"},
	} {
		code, out, errs := cli(t, wrong+"\n", args...)
		if code != 1 {
			t.Fatalf("%s: exit %d, want 1 (stderr %s)", args[0], code, errs)
		}
		if out != "" {
			t.Fatalf("%s: stdout = %q, want nothing", args[0], out)
		}
		if !strings.HasPrefix(errs, "tokenmint: ") || !strings.Contains(errs, "(HTTP 401)") {
			t.Fatalf("%s: stderr = %q, want 'tokenmint: <message> (HTTP 401)'", args[0], errs)
		}
		if strings.Contains(errs, wrong) {
			t.Fatalf("%s: stderr contains the password: %q", args[0], errs)
		}
	}
	path, err := credentialsPath()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a failed login left a credentials file (stat: %v)", err)
	}
	// An empty stdin is no password: refused before anything is sent.
	code, _, errs := cli(t, "", "token", "get", "CIToken", "--url", url, "--user", "admin", "--password")
	if code != 1 || !strings.Contains(errs, "no password") {
		t.Fatalf("empty password: exit %d, stderr %q", code, errs)
	}
}

// issued parses the human output of create and rotate.
func issued(t *testing.T, out string) (token, encoded, id string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Token":
			token = v
		case "Encoded":
			encoded = v
		case "ID":
			id = v
		}
	}
	if !plainTokenRE.MatchString(token) || encoded == "" || id == "" {
		t.Fatalf("output lacks the token, encoded form or ID:\n%s", out)
	}
	return token, encoded, id
}

func TestTokenCommandsWithAUserToken(t *testing.T) {
	url := startServer(t)
	user := getToken(t, url, "UserToken")
	t.Setenv("TOKENMINT_URL", url)
	t.Setenv("TOKENMINT_TOKEN", user)

	// types: what the caller may create.
	if out := mustCLI(t, "", "token", "types"); lineWith(out, "CIToken") == "" || !strings.HasPrefix(out, "NAME") {
		t.Fatalf("token types:\n%s", out)
	}

	// create: the token, its encoded form and its ID, with the warning.
	code, out, errs := cli(t, "", "token", "create", "--type", "CIToken", "--name", "build-bot", "--description", "nightly builds", "--days", "10")
	if code != 0 {
		t.Fatalf("create: exit %d, stderr %s", code, errs)
	}
	tok, enc, id := issued(t, out)
	if !strings.Contains(errs, "only this once") {
		t.Fatalf("create: no shown-once warning on stderr: %q", errs)
	}
	if verifyStatus(t, url, tok, "results:upload") != http.StatusOK || verifyStatus(t, url, enc, "results:upload") != http.StatusOK {
		t.Fatal("the created token or its encoded form does not verify")
	}

	// create --json carries the secret and the metadata.
	var created struct {
		Token, Encoded, ID, Name, Type, Status string
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "", "token", "create", "--type", "ReportToken", "--name", "reports", "--json")), &created); err != nil {
		t.Fatal(err)
	}
	if !plainTokenRE.MatchString(created.Token) || created.Encoded == "" || created.ID == "" || created.Type != "ReportToken" || created.Status != "active" {
		t.Fatalf("create --json = %+v", created)
	}

	// list: the table with its header and a row per token.
	out = mustCLI(t, "", "token", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "ID NAME TYPE STATUS EXPIRES LAST USED" {
		t.Fatalf("list header = %q", lines[0])
	}
	if len(lines) != 4 { // header, the UserToken, build-bot, reports
		t.Fatalf("list has %d lines, want 4:\n%s", len(lines), out)
	}
	if row := lineWith(out, id); !strings.Contains(row, "build-bot") || !strings.Contains(row, "CIToken") || !strings.Contains(row, "active") {
		t.Fatalf("list row of %s = %q", id, row)
	}
	if strings.Contains(out, tok) {
		t.Fatal("list shows a secret")
	}
	out = mustCLI(t, "", "token", "list", "--type", "CIToken")
	if !strings.Contains(out, id) || strings.Contains(out, created.ID) {
		t.Fatalf("list --type CIToken:\n%s", out)
	}

	// show: metadata, description, never the secret.
	out = mustCLI(t, "", "token", "show", id)
	for _, want := range []string{"build-bot", "CIToken", "nightly builds", "active"} {
		if !strings.Contains(out, want) {
			t.Fatalf("show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, tok) {
		t.Fatal("show prints the secret")
	}

	// extend: a new expiry within the type's limit; beyond it the server refuses.
	mustCLI(t, "", "token", "extend", id, "--days", "100")
	if exp := showExpiry(t, id); exp == nil || time.Until(*exp) < 99*24*time.Hour || time.Until(*exp) > 100*24*time.Hour+time.Minute {
		t.Fatalf("after extend --days 100 the expiry is %v", exp)
	}
	date := time.Now().AddDate(0, 0, 200).Format(time.DateOnly)
	mustCLI(t, "", "token", "extend", id, "--expires", date)
	if exp := showExpiry(t, id); exp == nil || exp.Local().Format(time.DateOnly) != date {
		t.Fatalf("after extend --expires %s the expiry is %v", date, exp)
	}
	code, _, errs = cli(t, "", "token", "extend", id, "--days", "1000")
	if code != 1 || !strings.HasPrefix(errs, "tokenmint: ") || !strings.Contains(errs, "(HTTP 400)") {
		t.Fatalf("extend beyond the maximum: exit %d, stderr %q", code, errs)
	}

	// deactivate / activate.
	mustCLI(t, "", "token", "deactivate", id)
	if got := verifyStatus(t, url, tok, "results:upload"); got != http.StatusUnauthorized {
		t.Fatalf("verify after deactivate = %d, want 401", got)
	}
	mustCLI(t, "", "token", "activate", id)
	if got := verifyStatus(t, url, tok, "results:upload"); got != http.StatusOK {
		t.Fatalf("verify after activate = %d, want 200", got)
	}

	// rotate with a grace period: both secrets work.
	code, out, errs = cli(t, "", "token", "rotate", id, "--grace", "1h")
	if code != 0 {
		t.Fatalf("rotate: exit %d, stderr %s", code, errs)
	}
	tok2, _, id2 := issued(t, out)
	if tok2 == tok || id2 != id {
		t.Fatalf("rotate printed token %q id %q (old %q id %q)", tok2, id2, tok, id)
	}
	if verifyStatus(t, url, tok2, "results:upload") != http.StatusOK || verifyStatus(t, url, tok, "results:upload") != http.StatusOK {
		t.Fatal("during the grace period both the new and the old secret must verify")
	}
	// rotate without grace: the previous secret stops at once.
	tok3 := strings.TrimSpace(mustCLI(t, "", "token", "rotate", id, "--quiet"))
	if !plainTokenRE.MatchString(tok3) {
		t.Fatalf("rotate --quiet printed %q", tok3)
	}
	if got := verifyStatus(t, url, tok2, "results:upload"); got != http.StatusUnauthorized {
		t.Fatalf("verify of the replaced secret = %d, want 401", got)
	}
	if got := verifyStatus(t, url, tok3, "results:upload"); got != http.StatusOK {
		t.Fatalf("verify of the rotated secret = %d, want 200", got)
	}

	// revoke: the token stops working and is listed as revoked.
	out = mustCLI(t, "", "token", "revoke", id)
	if !strings.Contains(out, id) {
		t.Fatalf("revoke printed %q", out)
	}
	if got := verifyStatus(t, url, tok3, "results:upload"); got != http.StatusUnauthorized {
		t.Fatalf("verify after revoke = %d, want 401", got)
	}
	if out := mustCLI(t, "", "token", "list", "--status", "revoked"); !strings.Contains(out, id) || strings.Contains(out, created.ID) {
		t.Fatalf("list --status revoked:\n%s", out)
	}
	code, _, errs = cli(t, "", "token", "rotate", id)
	if code != 1 || !strings.Contains(errs, "(HTTP 409)") {
		t.Fatalf("rotate of a revoked token: exit %d, stderr %q", code, errs)
	}
	code, _, errs = cli(t, "", "token", "show", "no-such-id")
	if code != 1 || !strings.Contains(errs, "(HTTP 404)") {
		t.Fatalf("show of an unknown ID: exit %d, stderr %q", code, errs)
	}

	// rotate --self: the UserToken in TOKENMINT_TOKEN replaces itself.
	code, out, errs = cli(t, "", "token", "rotate", "--self")
	if code != 0 {
		t.Fatalf("rotate --self: exit %d, stderr %s", code, errs)
	}
	newUser, _, _ := issued(t, out)
	if newUser == user {
		t.Fatal("rotate --self printed the old token")
	}
	if got := verifyStatus(t, url, user, "api:read"); got != http.StatusUnauthorized {
		t.Fatalf("the self-rotated old token verifies with %d, want 401", got)
	}
	t.Setenv("TOKENMINT_TOKEN", newUser)
	if out := mustCLI(t, "", "token", "show", "self"); !strings.Contains(out, "UserToken") {
		t.Fatalf("show self with the new token:\n%s", out)
	}
}

func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

func showExpiry(t *testing.T, id string) *time.Time {
	t.Helper()
	var v struct {
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "", "token", "show", id, "--json")), &v); err != nil {
		t.Fatal(err)
	}
	return v.ExpiresAt
}

func TestLoginSavesACredentialUsedByLaterCommands(t *testing.T) {
	url := startServer(t)
	out := mustCLI(t, testAdminPassword+"\n", "login", "--url", url, "--user", "admin", "--password")
	if !strings.Contains(out, "Logged in") {
		t.Fatalf("login printed %q", out)
	}
	path, err := credentialsPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "tokenmint", "credentials.json"); path != want {
		t.Fatalf("credentials path = %s, want %s", path, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode = %v, want 0600", fi.Mode().Perm())
	}
	first := readCreds(t, path)
	if first.URL != url || !plainTokenRE.MatchString(first.Token) || first.TokenID == "" {
		t.Fatalf("saved credentials = url %q id %q", first.URL, first.TokenID)
	}
	if strings.Contains(out, first.Token) {
		t.Fatal("login printed the saved token")
	}
	if got := verifyStatus(t, url, first.Token, "api:read"); got != http.StatusOK {
		t.Fatalf("the saved token verifies with %d", got)
	}

	// With nothing in the environment, the saved login is used.
	out = mustCLI(t, "", "token", "list")
	if row := lineWith(out, first.TokenID); !strings.Contains(row, "UserToken") || !strings.Contains(row, "cli-") {
		t.Fatalf("list with the saved login:\n%s", out)
	}
	// Another server named in the environment never gets the saved token.
	t.Setenv("TOKENMINT_URL", "http://127.0.0.1:1")
	code, _, errs := cli(t, "", "token", "list")
	if code != 1 || !strings.Contains(errs, "no token") {
		t.Fatalf("saved token with another URL: exit %d, stderr %q", code, errs)
	}
	t.Setenv("TOKENMINT_URL", "")

	// A second login replaces the token and revokes the first.
	mustCLI(t, testAdminPassword+"\n", "login", "--url", url, "--user", "admin")
	second := readCreds(t, path)
	if second.TokenID == first.TokenID {
		t.Fatal("the second login kept the first token")
	}
	if got := verifyStatus(t, url, first.Token, "api:read"); got != http.StatusUnauthorized {
		t.Fatalf("the first login's token verifies with %d after a new login, want 401", got)
	}

	// rotate --self with the saved token keeps the file in step.
	code, _, errs = cli(t, "", "token", "rotate", "--self", "--quiet")
	if code != 0 || !strings.Contains(errs, "Saved the new token") {
		t.Fatalf("rotate --self with the saved login: exit %d, stderr %q", code, errs)
	}
	third := readCreds(t, path)
	if third.Token == second.Token || verifyStatus(t, url, third.Token, "api:read") != http.StatusOK {
		t.Fatal("the saved login does not hold the rotated token")
	}

	// logout revokes the token and deletes the file.
	mustCLI(t, "", "logout")
	if got := verifyStatus(t, url, third.Token, "api:read"); got != http.StatusUnauthorized {
		t.Fatalf("the token verifies with %d after logout, want 401", got)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("logout left the credentials file (stat: %v)", err)
	}
}

func readCreds(t *testing.T, path string) *credentials {
	t.Helper()
	c, err := loadCredentials(path)
	if err != nil || c == nil {
		t.Fatalf("credentials: %v %v", c, err)
	}
	return c
}

func TestClientPrecedenceFlagEnvFile(t *testing.T) {
	isolateClient(t)
	path, err := credentialsPath()
	if err != nil {
		t.Fatal(err)
	}
	if err := saveCredentials(path, &credentials{URL: "http://saved.example:8080", Token: "saved-token"}); err != nil {
		t.Fatal(err)
	}
	resolve := func(o clientOptions) *clientSetup {
		t.Helper()
		s, err := o.resolve()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := resolve(clientOptions{}); s.url != "http://saved.example:8080" || s.token != "saved-token" || s.source != fromFile {
		t.Fatalf("file only: %q %q %v", s.url, s.token, s.source)
	}
	t.Setenv("TOKENMINT_URL", "http://env.example")
	t.Setenv("TOKENMINT_TOKEN", "env-token")
	if s := resolve(clientOptions{}); s.url != "http://env.example" || s.token != "env-token" || s.source != fromEnv {
		t.Fatalf("env over file: %q %q %v", s.url, s.token, s.source)
	}
	if s := resolve(clientOptions{url: "http://flag.example", token: "flag-token"}); s.url != "http://flag.example" || s.token != "flag-token" || s.source != fromFlag {
		t.Fatalf("flag over env: %q %q %v", s.url, s.token, s.source)
	}
	t.Setenv("TOKENMINT_TOKEN", "")
	if s := resolve(clientOptions{}); s.token != "" {
		t.Fatalf("the saved token was offered to another server: %q", s.token)
	}
	t.Setenv("TOKENMINT_URL", "")
	if err := removeCredentials(path); err != nil {
		t.Fatal(err)
	}
	if s := resolve(clientOptions{}); s.url != defaultServerURL || s.token != "" {
		t.Fatalf("defaults: %q %q", s.url, s.token)
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	isolateClient(t)
	t.Setenv("TOKENMINT_TOKEN", "tmu_unused")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"token"}, "give a subcommand"},
		{[]string{"token", "frobnicate"}, `unknown subcommand "frobnicate"`},
		{[]string{"token", "show"}, "give the token ID"},
		{[]string{"token", "show", "a", "b"}, "give one token ID"},
		{[]string{"token", "list", "--bogus"}, "flag provided but not defined"},
		{[]string{"token", "list", "--limit", "0"}, "--limit must be 1-500"},
		{[]string{"token", "create", "--name", "x"}, "--type and --name are required"},
		{[]string{"token", "create", "--type", "CIToken", "--name", "x", "--expires", "next week"}, "--expires"},
		{[]string{"token", "extend", "id1"}, "exactly one of --days, --expires and --no-expiry"},
		{[]string{"token", "extend", "id1", "--days", "3", "--no-expiry"}, "exactly one of"},
		{[]string{"token", "extend", "id1", "--days", "0"}, "--days must be at least 1"},
		{[]string{"token", "rotate", "id1", "--self"}, "not both"},
		{[]string{"token", "rotate"}, "give the token ID"},
		{[]string{"token", "rotate", "id1", "--grace", "1.5s"}, "--grace"},
		{[]string{"token", "get", "--user", "admin", "--password"}, "give the token TYPE"},
		{[]string{"token", "get", "CIToken", "--password"}, "--user is required"},
		{[]string{"token", "revoke"}, "give the ID"},
		{[]string{"login", "--password"}, "--user is required"},
		{[]string{"logout", "extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		code, out, errs := cli(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) || !strings.Contains(errs, "Usage: tokenmint") {
			t.Errorf("tokenmint %s: exit %d, stderr %q; want 2 and %q with the usage", strings.Join(c.args, " "), code, errs, c.want)
		}
		if out != "" {
			t.Errorf("tokenmint %s: stdout %q on bad usage", strings.Join(c.args, " "), out)
		}
	}
}

func TestPasswordOnTheCommandLineIsRefusedUnseen(t *testing.T) {
	isolateClient(t)
	const pw = "hunter2-on-the-command-line"
	for _, args := range [][]string{
		{"token", "get", "CIToken", "--user", "admin", "--password=" + pw},
		{"token", "get", "CIToken", "--user", "admin", "--password", pw},
		{"token", "get", "CIToken", "--user", "admin", "-password-stdin=" + pw},
		{"login", "--user", "admin", "--password", pw},
	} {
		code, out, errs := cli(t, "", args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if strings.Contains(out+errs, pw) {
			t.Errorf("%v: the password was echoed: %q", args, out+errs)
		}
	}
}

func TestHelpListsFlags(t *testing.T) {
	isolateClient(t)
	cases := map[string][]string{
		"token get":     {"-url", "-user", "-password", "-password-stdin", "-tenant", "-name", "-days", "-project"},
		"token create":  {"-type", "-name", "-description", "-project", "-days", "-expires", "-no-expiry", "-rate-limit", "-json", "-url", "-token"},
		"token list":    {"-status", "-type", "-all", "-owner", "-limit", "-json"},
		"token show":    {"-json"},
		"token extend":  {"-days", "-expires", "-no-expiry"},
		"token revoke":  {"-url", "-token"},
		"token rotate":  {"-self", "-grace", "-days"},
		"token request": {"-name", "-justification", "-description", "-project", "-days", "-json"},
		"token collect": {"-json", "-quiet", "-url", "-token"},
		"login":         {"-url", "-user", "-tenant", "-password"},
		"logout":        {"-keep-token"},
	}
	for cmd, flags := range cases {
		code, out, errs := cli(t, "", append(strings.Fields(cmd), "--help")...)
		if code != 0 || errs != "" {
			t.Errorf("%s --help: exit %d, stderr %q", cmd, code, errs)
		}
		if !strings.HasPrefix(out, "Usage: tokenmint "+cmd) {
			t.Errorf("%s --help starts %q", cmd, firstLine(out))
		}
		for _, f := range flags {
			if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `\b`).MatchString(out) {
				t.Errorf("%s --help does not list %s:\n%s", cmd, f, out)
			}
		}
	}
	code, out, _ := cli(t, "", "token", "--help")
	for _, sub := range []string{"create", "list", "show", "extend", "revoke", "rotate", "activate", "deactivate", "get"} {
		if code != 0 || !regexp.MustCompile(`(?m)^\s+`+sub+`\s`).MatchString(out) {
			t.Errorf("token --help (exit %d) does not list %s:\n%s", code, sub, out)
		}
	}
}

func TestServeHelpListsEveryServerFlag(t *testing.T) {
	code, out, errs := cli(t, "", "serve", "--help")
	if code != 0 && code != 2 {
		t.Fatalf("serve --help: exit %d", code)
	}
	help := out + errs
	for _, f := range []string{"data-dir", "listen", "database", "types-file", "log-level", "config"} {
		if !regexp.MustCompile(`(?m)^\s+-` + f + `\b`).MatchString(help) {
			t.Errorf("serve --help does not list --%s:\n%s", f, help)
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// The CLI says "hidden", not "never", for the last use of a token whose use
// the caller may not see (an administrator looking at another user's).
func TestFormatLastUsed(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		use  *tmhttp.TokenUse
		want string
	}{
		{nil, "hidden"},
		{&tmhttp.TokenUse{}, "never"},
		{&tmhttp.TokenUse{LastUsedAt: &at}, formatTime(at)},
	} {
		if got := formatLastUsed(c.use); got != c.want {
			t.Errorf("formatLastUsed(%+v) = %q, want %q", c.use, got, c.want)
		}
	}
}
