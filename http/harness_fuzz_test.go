package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tokenmint"
	tmhttp "tokenmint/http"
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
	e := startEnv(f, io.Discard, true)
	// A bound on every answer turns a hung request into a failure that
	// names its input, rather than a fuzzer that stops making progress.
	e.admin.http.Timeout = 10 * time.Second
	return &fuzzEnv{srv: e.srv, hc: e.admin.http, hcNoSession: &http.Client{Timeout: 10 * time.Second},
		csrf: e.admin.csrf, clock: e.clock}
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
