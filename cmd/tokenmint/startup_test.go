package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// clearServerEnv keeps the developer's TOKENMINT_* settings out of a test
// that runs the server commands.
func clearServerEnv(t *testing.T) {
	t.Helper()
	for _, s := range (&serverConfig{}).settings() {
		t.Setenv(s.env, "")
	}
	for _, env := range []string{"TOKENMINT_CONFIG", "TOKENMINT_ADMIN_PASSWORD", "TOKENMINT_PEPPER", "TOKENMINT_MASTER_KEY", "TOKENMINT_SMTP_PASSWORD"} {
		t.Setenv(env, "")
	}
}

// runServer runs a server command ("init" or "serve") in-process and
// returns its exit code and output.
func runServer(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// served is a `tokenmint serve` running in the test process.
type served struct {
	base   string
	stdout *lockedBuffer
	stderr *lockedBuffer
	done   chan int
	code   *int // set once serve has returned
}

var listeningRE = regexp.MustCompile(`tokenmint listening"? addr=(\S+)`)

// startServe runs `tokenmint serve args...` on a free port until stop or
// the end of the test. Only one may run at a time: SIGTERM stops them all.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan int, 1)}
	go func() {
		s.done <- run(append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), strings.NewReader(""), s.stdout, s.stderr)
	}()
	deadline := time.Now().Add(90 * time.Second) // a first start hashes a password and migrates; a loaded machine is slow
	for {
		if m := listeningRE.FindStringSubmatch(s.stderr.String()); m != nil {
			s.base = "http://" + m[1]
			break
		}
		select {
		case code := <-s.done:
			t.Fatalf("serve exited %d before listening:\n%s", code, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start listening:\n%s", s.stderr.String())
		}
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop stops the server the way an operator does, with SIGTERM, and checks
// it exits cleanly. The test's own subscription to SIGTERM keeps the signal
// from ending the test process should serve have stopped listening for it.
func (s *served) stop(t *testing.T) {
	t.Helper()
	if s.code != nil {
		return
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	defer signal.Stop(sig)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-s.done:
		s.code = &code
		if code != 0 {
			t.Errorf("serve exited %d:\n%s", code, s.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// loginTo signs in to the default tenant with plain net/http.
func loginTo(t *testing.T, base, username, password string) (*session, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	st, body := s.call("POST", "/api/v1/auth/login", `{"username":"`+username+`","password":"`+password+`"}`)
	if st == http.StatusOK {
		var m map[string]any
		json.Unmarshal(body, &m)
		s.csrf, _ = m["csrf_token"].(string)
	}
	return s, st
}

var generatedPasswordRE = regexp.MustCompile(`Generated password \(shown only now\): (\S+)`)

// The first init creates the admin and prints its generated password once;
// later starts keep every byte of state and print no password.
func TestStartupInitPrintsThePasswordOnceAndKeepsData(t *testing.T) {
	clearServerEnv(t)
	dir := filepath.Join(t.TempDir(), "data")

	code, out, errs := runServer("init", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("first init: exit %d\n%s", code, errs)
	}
	m := generatedPasswordRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("first init printed no generated password:\n%s", out)
	}
	password := m[1]
	if n := strings.Count(out, password); n != 1 {
		t.Fatalf("the password appears %d times on stdout, want once:\n%s", n, out)
	}
	if strings.Count(out, "Generated password") != 1 || !strings.Contains(out, `administrator "admin"`) {
		t.Fatalf("first init output:\n%s", out)
	}
	if strings.Contains(errs, password) {
		t.Fatal("the password appeared on stderr (the log)")
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v, %v; want mode 0700", fi, err)
	}

	// A first serve on the initialised directory: the admin signs in with
	// the printed password and creates a token.
	srv := startServe(t, "--data-dir", dir)
	admin, st := loginTo(t, srv.base, "admin", password)
	if st != http.StatusOK {
		t.Fatalf("login with the generated password: %d", st)
	}
	tok, _, st := admin.createToken("CIToken")
	if st != http.StatusCreated {
		t.Fatalf("create CIToken: %d", st)
	}
	if got := verifyOn(srv.base, tok); got != http.StatusOK {
		t.Fatalf("new token verifies %d", got)
	}
	if srv.stdout.String() != "" {
		t.Fatalf("serve on an initialised directory printed:\n%s", srv.stdout.String())
	}
	srv.stop(t)

	// Setting a password now changes nothing: it is for the first start only.
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "not-the-admin-password-9")
	code, out, errs = runServer("init", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("second init: exit %d\n%s", code, errs)
	}
	if out != "Already initialised: "+dir+"\n" {
		t.Fatalf("second init printed %q, want only that it is already initialised", out)
	}

	srv2 := startServe(t, "--data-dir", dir)
	if _, st := loginTo(t, srv2.base, "admin", password); st != http.StatusOK {
		t.Fatalf("login with the first password after a second init: %d", st)
	}
	if _, st := loginTo(t, srv2.base, "admin", "not-the-admin-password-9"); st != http.StatusUnauthorized {
		t.Fatalf("login with TOKENMINT_ADMIN_PASSWORD of a later start: %d, want 401", st)
	}
	if got := verifyOn(srv2.base, tok); got != http.StatusOK {
		t.Fatalf("the token created before the restart verifies %d, want 200", got)
	}
	if srv2.stdout.String() != "" {
		t.Fatalf("second serve printed:\n%s", srv2.stdout.String())
	}
}

// A malformed types file, YAML or TOML, stops init and serve before
// anything is created, with the file, the line and the problem.
func TestStartupRefusesAMalformedTypesFile(t *testing.T) {
	clearServerEnv(t)
	files := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(files, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	yamlTypo := write("typo.yaml", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n    max_dayz: 3\n")
	tomlTypo := write("typo.toml", "[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 1\nmax_dayz = 3\n")
	yamlDup := write("dup.yml", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n")
	tomlDangling := write("dangling.toml", "[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 1\n\n[[types]]\nname = \"B\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 1\nobsolete = true\nreplaced_by = \"C\"\n")
	tomlSyntax := write("syntax.toml", "[[types]]\nname = \"A\"\npermissions = [\"api:read\"\n")
	unknownExt := write("types.txt", "types: []\n")

	cases := []struct {
		file, want string
	}{
		{yamlTypo, yamlTypo + `: line 5: type "A": unknown field "max_dayz"`},
		{tomlTypo, tomlTypo + `: line 5: type "A": unknown field "max_dayz"`},
		{yamlDup, yamlDup + `: line 5: type A is defined twice`},
		{tomlDangling, tomlDangling + `: line 6: type B: replaced_by names unknown type "C"`},
		{tomlSyntax, tomlSyntax + `: line 3: `},
		{unknownExt, unknownExt + `: unknown types file format: the name must end in .yaml, .yml or .toml`},
	}
	for _, c := range cases {
		for _, how := range []string{"init", "serve", "serve (env)"} {
			t.Run(filepath.Base(c.file)+" "+how, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "data")
				args := []string{strings.Fields(how)[0], "--data-dir", dir, "--listen", "127.0.0.1:0"}
				if how == "serve (env)" {
					t.Setenv("TOKENMINT_TYPES_FILE", c.file)
				} else {
					args = append(args, "--types-file", c.file)
				}
				code, out, errs := runServer(args...)
				if code != 1 || out != "" {
					t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
				}
				msg := strings.TrimSuffix(errs, "\n")
				if strings.HasSuffix(c.want, ": ") {
					if !strings.HasPrefix(msg, "tokenmint: "+c.want) || strings.Count(errs, "\n") != 1 {
						t.Fatalf("stderr = %q, want one line starting %q", errs, "tokenmint: "+c.want)
					}
				} else if msg != "tokenmint: "+c.want {
					t.Fatalf("stderr = %q\nwant     %q", errs, "tokenmint: "+c.want+"\n")
				}
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Fatalf("the data directory was created before the types file was checked (stat: %v)", err)
				}
			})
		}
	}
}

// typesTOML replaces the built-in types with two of its own and an obsolete
// one.
const typesTOML = `# Types of a deployment service.
[[types]]
name = "UserToken"
description = "Everything its owner may do."
permissions = ["*"]
default_days_to_live = 30
max_days_to_live = 90

[[types]]
name = "DeployToken"
description = "Deploys releases."
permissions = ["deploy:run", "api:read"]
default_days_to_live = 7
max_days_to_live = 30

[[types]]
name = "ReleaseToken"
description = "Obsolete; use DeployToken."
permissions = ["deploy:run"]
default_days_to_live = 7
obsolete = true
replaced_by = "DeployToken"
`

// Types from a TOML file are the server's types: listed by the API and the
// CLI, creatable, and their permissions verify.
func TestStartupServesTypesFromATOMLFile(t *testing.T) {
	clearServerEnv(t)
	isolateClient(t)
	path := filepath.Join(t.TempDir(), "types.toml")
	if err := os.WriteFile(path, []byte(typesTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", testAdminPassword)
	if code, _, errs := runServer("init", "--data-dir", dir, "--types-file", path); code != 0 {
		t.Fatalf("init: exit %d\n%s", code, errs)
	}
	t.Setenv("TOKENMINT_TYPES_FILE", path)
	srv := startServe(t, "--data-dir", dir)

	admin, st := loginTo(t, srv.base, "admin", testAdminPassword)
	if st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	st, body := admin.call("GET", "/api/v1/token-types", "")
	if st != http.StatusOK {
		t.Fatalf("GET /api/v1/token-types: %d %s", st, body)
	}
	var list struct {
		Items []struct {
			Name, Description string
			Permissions       []string
			DefaultDaysToLive int    `json:"default_days_to_live"`
			MaxDaysToLive     int    `json:"max_days_to_live"`
			Obsolete          bool   `json:"obsolete"`
			ReplacedBy        string `json:"replaced_by"`
		}
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Name)
		switch it.Name {
		case "DeployToken":
			if it.Description != "Deploys releases." || it.DefaultDaysToLive != 7 || it.MaxDaysToLive != 30 ||
				strings.Join(it.Permissions, ",") != "deploy:run,api:read" || it.Obsolete {
				t.Errorf("DeployToken listed as %+v", it)
			}
		case "ReleaseToken":
			if !it.Obsolete || it.ReplacedBy != "DeployToken" {
				t.Errorf("ReleaseToken listed as %+v", it)
			}
		}
	}
	if got := strings.Join(names, ","); got != "DeployToken,ReleaseToken,UserToken" {
		t.Fatalf("listed types %s, want only the TOML file's DeployToken,ReleaseToken,UserToken", got)
	}

	tok, _, st := admin.createToken("DeployToken")
	if st != http.StatusCreated {
		t.Fatalf("create DeployToken: %d", st)
	}
	if got := verifyFor(srv.base, tok, "deploy:run"); got != http.StatusOK {
		t.Errorf("DeployToken verifies deploy:run with %d, want 200", got)
	}
	if got := verifyFor(srv.base, tok, "tokens:manage"); got != http.StatusForbidden {
		t.Errorf("DeployToken verifies tokens:manage with %d, want 403", got)
	}
	if _, _, st := admin.createToken("CIToken"); st == http.StatusCreated {
		t.Error("a built-in type was creatable though the types file replaces them")
	}

	// The CLI lists the same types.
	t.Setenv("TOKENMINT_TOKEN", getToken(t, srv.base, "UserToken"))
	out := mustCLI(t, "", "token", "types", "--url", srv.base)
	if line := lineWith(out, "DeployToken"); !strings.Contains(line, "Deploys releases.") {
		t.Fatalf("token types:\n%s", out)
	}
}
