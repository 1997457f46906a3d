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

	"tokenmint"
	"tokenmint/typesfile"
)

// startApprovalServer is startServer with a types file holding the
// built-in types and the ones of testdata/approval_types.yaml.
func startApprovalServer(t *testing.T) string {
	t.Helper()
	isolateClient(t)
	extra, err := os.ReadFile("../../testdata/approval_types.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Both documents are one "types:" list: append the extra entries.
	_, entries, _ := strings.Cut(string(extra), "types:\n")
	path := filepath.Join(t.TempDir(), "types.yaml")
	if err := os.WriteFile(path, append(typesfile.DefaultsYAML(), entries...), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &serverConfig{DataDir: t.TempDir(), AdminPassword: testAdminPassword, Listen: "127.0.0.1:0", TypesFile: path}
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), tokenmint.SystemClock{})
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

// api calls the server as the holder of token and returns the status.
func api(t *testing.T, url, token, method, path string, body any) int {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// token request asks, an administrator approves, token collect prints the
// token once; a second collect fails.
func TestTokenRequestAndCollect(t *testing.T) {
	url := startApprovalServer(t)
	admin := getToken(t, url, "UserToken")
	if st := api(t, url, admin, "POST", "/api/v1/users", map[string]any{"username": "mia", "password": "mia-password-1", "roles": []string{"member"}}); st != http.StatusCreated {
		t.Fatalf("create mia: %d", st)
	}
	mia := strings.TrimSpace(mustCLI(t, "mia-password-1\n", "token", "get", "UserToken", "--url", url, "--user", "mia", "--password"))
	t.Setenv("TOKENMINT_URL", url)
	t.Setenv("TOKENMINT_TOKEN", mia)

	if code, _, errs := cli(t, "", "token", "request", "ProductionDeployToken", "--name", "deploy"); code != 2 || !strings.Contains(errs, "--justification") {
		t.Fatalf("request without justification: exit %d, stderr %q", code, errs)
	}
	// The request keeps networks and a rate limit (this test verifies
	// from 127.0.0.1).
	code, out, errs := cli(t, "", "token", "request", "ProductionDeployToken", "--name", "deploy", "--days", "5", "--justification", "release train 12",
		"--allowed-cidr", "127.0.0.1", "--allowed-cidr", "10.0.0.0/8", "--rate-limit", "100/60")
	if code != 0 {
		t.Fatalf("request: exit %d, stderr %s", code, errs)
	}
	m := regexp.MustCompile(`(?m)^Request:\s+(\S+)$`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "pending") || !strings.Contains(errs, "token collect "+m[1]) {
		t.Fatalf("request printed %q, stderr %q", out, errs)
	}
	if !regexp.MustCompile(`(?m)^Networks:\s+10\.0\.0\.0/8, 127\.0\.0\.1/32$`).MatchString(out) || !regexp.MustCompile(`(?m)^Rate limit:\s+100/60$`).MatchString(out) {
		t.Fatalf("request printed %q, want its networks and rate limit", out)
	}
	id := m[1]
	if code, _, errs := cli(t, "", "token", "collect", id); code != 1 || !strings.Contains(errs, "HTTP 409") {
		t.Fatalf("collect before approval: exit %d, stderr %q", code, errs)
	}
	if st := api(t, url, admin, "POST", "/api/v1/token-requests/"+id+"/approve", nil); st != http.StatusOK {
		t.Fatalf("approve: %d", st)
	}
	tok := strings.TrimSpace(mustCLI(t, "", "token", "collect", id, "--quiet"))
	if !plainTokenRE.MatchString(tok) || verifyStatus(t, url, tok, "api:write") != http.StatusOK {
		t.Fatalf("collected %q does not verify api:write", tok)
	}
	if code, out, errs := cli(t, "", "token", "collect", id); code != 1 || strings.Contains(out+errs, tok) {
		t.Fatalf("second collect: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
