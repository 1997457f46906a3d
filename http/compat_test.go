package http_test

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// compatDoc is the compatibility table: the requests vendor clients send,
// and what tokenmint answers.
const compatDoc = "../docs/compatibility.md"

var (
	compatRow     = regexp.MustCompile(`(?m)^\| ([A-Z][0-9]+) \|`)
	compatRequest = regexp.MustCompile("(?ms)^### ([A-Z][0-9]+)\n\n```http\n(.*?)\n```")
	placeholder   = regexp.MustCompile(`\{\{[A-Z0-9_]+\}\}`)
)

// compatRequests returns the table's row IDs and the request block of each
// row that has one, as written in the document.
func compatRequests(t *testing.T) (rows []string, requests map[string]string) {
	t.Helper()
	b, err := os.ReadFile(compatDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range compatRow.FindAllStringSubmatch(string(b), -1) {
		rows = append(rows, m[1])
	}
	requests = map[string]string{}
	for _, m := range compatRequest.FindAllStringSubmatch(string(b), -1) {
		requests[m[1]] = m[2]
	}
	return rows, requests
}

// rawRequest fills in the placeholders of a request block and returns the
// bytes to send: CRLF line ends in the head, the body as written, and
// {{LEN}} the body's length.
func rawRequest(t *testing.T, block string, vars map[string]string) []byte {
	t.Helper()
	head, body, _ := strings.Cut(block, "\n\n")
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(p string) string {
			v, ok := vars[strings.Trim(p, "{}")]
			if !ok && p != "{{LEN}}" {
				t.Fatalf("no value for %s", p)
			}
			return v
		})
	}
	body = fill(body)
	vars["LEN"] = strconv.Itoa(len(body))
	head = fill(head)
	return []byte(strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n" + body)
}

// sendRaw writes raw to the test server on a new connection and reads the
// answer.
func sendRaw(t *testing.T, e *env, raw []byte) response {
	t.Helper()
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", raw, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// compatCheck checks the answer of one row; it may add values later rows
// use.
type compatCheck func(t *testing.T, e *env, send func() response, vars map[string]string)

func expectStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

func expectExpiration(t *testing.T, r response) {
	t.Helper()
	if _, err := time.Parse(time.RFC3339, r.header.Get("X-Token-Expiration")); err != nil {
		t.Errorf("X-Token-Expiration %q: %v", r.header.Get("X-Token-Expiration"), err)
	}
}

// expectSonarQubeExpiration checks SonarQube's own expiry header, in
// SonarQube's format, names the same instant as X-Token-Expiration.
func expectSonarQubeExpiration(t *testing.T, r response) {
	t.Helper()
	want, _ := time.Parse(time.RFC3339, r.header.Get("X-Token-Expiration"))
	got, err := time.Parse("2006-01-02T15:04:05-0700", r.header.Get("SonarQube-Authentication-Token-Expiration"))
	if err != nil || !got.Equal(want) {
		t.Errorf("SonarQube-Authentication-Token-Expiration %q (%v), want %v", r.header.Get("SonarQube-Authentication-Token-Expiration"), err, want)
	}
}

// expectTokenAnswer checks a token endpoint's success: the fields vendor
// clients read.
func expectTokenAnswer(t *testing.T, r response, refresh bool) map[string]any {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	if m["token_type"] != "Bearer" || m["expires_in"] != float64(3600) || m["access_token"] == nil || m["expires"] == nil || m["scope"] == "" {
		t.Errorf("token answer %s", r.body)
	}
	if rt, _ := m["refresh_token"].(string); refresh != strings.HasPrefix(rt, "tmr_") {
		t.Errorf("refresh_token %q, want one: %v", rt, refresh)
	}
	return m
}

var compatChecks = map[string]compatCheck{
	"F2": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusOK)
		expectExpiration(t, r)
	},
	"F3": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusOK)
		expectExpiration(t, r)
	},
	"F4": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		expectStatus(t, send(), http.StatusOK)
		r := send()
		expectStatus(t, r, http.StatusUnauthorized)
		if !strings.Contains(r.message(t), "exhausted") {
			t.Errorf("second use: %q, want exhausted", r.message(t))
		}
	},
	"F5": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusBadRequest)
		if r.oauthError(t) != "invalid_grant" || !strings.Contains(r.oauthDescription(t), "limited-use") {
			t.Errorf("answer %s", r.body)
		}
		if v := e.verify("Bearer "+vars["ONE_TIME_TOKEN_2"], "?permission=results:upload"); v.status != http.StatusOK {
			t.Errorf("the refused exchange spent the use: verify %d", v.status)
		}
	},
	"C1": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		m := expectTokenAnswer(t, send(), true)
		vars["CHECKMARX_JWT"] = m["access_token"].(string)
		if c := jwtPayload(t, vars["CHECKMARX_JWT"]); c["tenant"] != "default" || c["client_id"] != "tokenmint" {
			t.Errorf("claims %v", c)
		}
	},
	"C2": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		m := expectTokenAnswer(t, send(), true)
		if !strings.Contains(m["scope"].(string), "results:upload") {
			t.Errorf("scope %v", m["scope"])
		}
	},
	"C3": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusOK)
		expectExpiration(t, r)
	},
	"S1": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusOK)
		expectExpiration(t, r)
		expectSonarQubeExpiration(t, r)
	},
	"S2": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusOK)
		expectExpiration(t, r)
		expectSonarQubeExpiration(t, r)
	},
	"S3": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusForbidden)
		if !strings.Contains(r.message(t), "not valid for project") {
			t.Errorf("message %q", r.message(t))
		}
	},
	"J1": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusOK)
		expectExpiration(t, r)
	},
	"Q1": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		m := expectTokenAnswer(t, send(), true)
		vars["FORTICWP_REFRESH"] = m["refresh_token"].(string)
		vars["FORTICWP_JWT"] = m["access_token"].(string)
	},
	"Q2": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		m := expectTokenAnswer(t, send(), true)
		if m["refresh_token"] == vars["FORTICWP_REFRESH"] {
			t.Error("the refresh token was not rotated")
		}
		vars["FORTICWP_JWT_2"] = m["access_token"].(string)
	},
	"Q3": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusBadRequest)
		if r.oauthError(t) != "invalid_grant" {
			t.Errorf("answer %s", r.body)
		}
		if v := e.verify("Bearer "+vars["FORTICWP_JWT_2"], ""); v.status != http.StatusUnauthorized {
			t.Errorf("access token of the reused family: verify %d, want 401", v.status)
		}
	},
	"Q4": func(t *testing.T, e *env, send func() response, vars map[string]string) {
		r := send()
		expectStatus(t, r, http.StatusBadRequest)
		if r.oauthError(t) != "invalid_request" || !strings.Contains(r.oauthDescription(t), "grant_type=client_credentials") {
			t.Errorf("answer %s", r.body)
		}
	},
}

// compatCLIRows are rows whose vendor request is a command line; the test
// named backs them.
var compatCLIRows = map[string]string{"F1": "../cmd/tokenmint/token_get_test.go:TestTokenGetDaysToLive"}

// TestVendorCompatibility sends every request of docs/compatibility.md,
// byte for byte, and checks the answer the table states.
func TestVendorCompatibility(t *testing.T) {
	rows, requests := compatRequests(t)
	if len(rows) == 0 {
		t.Fatal("the compatibility table has no rows")
	}
	// Every row is checked, every check has its row.
	for _, id := range rows {
		_, checked := compatChecks[id]
		_, cli := compatCLIRows[id]
		if !checked && !cli {
			t.Errorf("row %s has no check in compat_test.go", id)
		}
		if checked && requests[id] == "" {
			t.Errorf("row %s has no request block", id)
		}
	}
	for id := range compatChecks {
		if !slices.Contains(rows, id) {
			t.Errorf("check %s has no row in %s", id, compatDoc)
		}
	}
	for id, ref := range compatCLIRows {
		file, fn, _ := strings.Cut(ref, ":")
		src, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil || !strings.Contains(string(src), "func "+fn+"(") {
			t.Errorf("row %s: %s does not exist", id, ref)
		}
	}

	e := newOAuthEnv(t)
	vars := compatFixture(t, e)
	for _, id := range rows {
		check, ok := compatChecks[id]
		if !ok {
			continue
		}
		t.Run(id, func(t *testing.T) {
			send := func() response {
				t.Helper()
				return sendRaw(t, e, rawRequest(t, requests[id], vars))
			}
			check(t, e, send, vars)
		})
	}
}

// compatFixture creates what the requests present: alice (a member), her
// tokens of the vendor types, projects web and api, a Juniper-style
// application token and a FortiCWP credential.
func compatFixture(t *testing.T, e *env) map[string]string {
	t.Helper()
	for _, p := range []string{"web", "api"} {
		if r := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": p}); r.status != http.StatusCreated {
			t.Fatal(r.status, string(r.body))
		}
	}
	alice, _ := e.createUser("alice", "member")
	_, ciEncoded, _ := alice.createToken(map[string]any{"type": "CIToken", "name": "pipeline"})
	once, _, _ := alice.createToken(map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "job"})
	once2, _, _ := alice.createToken(map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "job2"})
	sonar, _, _ := alice.createToken(map[string]any{"type": "GlobalAnalysisToken", "name": "scanner"})
	sonarProject, _, _ := alice.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "web-scanner", "project": "web"})
	appID := e.createApp("juniper-sd", "read-only")
	r := e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "feeds"})
	if r.status != http.StatusCreated {
		t.Fatal(r.status, string(r.body))
	}
	_, _, _, cred := e.appClient("forti-cwp", "read-only")
	basic := func(tok string) string { return base64.StdEncoding.EncodeToString([]byte(tok + ":")) }
	return map[string]string{
		"HOST":                e.srv.Listener.Addr().String(),
		"CITOKEN_ENCODED":     ciEncoded,
		"ONE_TIME_TOKEN":      once,
		"ONE_TIME_TOKEN_2":    once2,
		"SONAR_TOKEN":         sonar,
		"SONAR_BASIC":         basic(sonar),
		"SONAR_PROJECT_BASIC": basic(sonarProject),
		"APP_TOKEN":           r.json(t)["token"].(string),
		"CREDENTIAL":          cred,
	}
}

// TestREADMEHasTheCompatibilityTable: the README's table is the
// document's, row for row.
func TestREADMEHasTheCompatibilityTable(t *testing.T) {
	doc, err := os.ReadFile(compatDoc)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(doc), "\n") {
		if compatRow.MatchString(line) && !strings.Contains(string(readme), line+"\n") {
			t.Errorf("README.md lacks the compatibility row:\n%s", line)
		}
	}
	if !strings.Contains(string(readme), "docs/compatibility.md") {
		t.Error("README.md does not link docs/compatibility.md")
	}
}
