package http_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	tmhttp "tokenmint/http"
)

// bigBody is 10 MB of request body around prefix and suffix.
func bigBody(prefix, suffix string) []byte {
	return append(append([]byte(prefix), bytes.Repeat([]byte("a"), 10<<20)...), suffix...)
}

// postRaw sends body to path with c's cookies and session CSRF header and
// returns the status and the start of the answer.
func postRaw(t *testing.T, c *client, base, path, contentType string, body []byte, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-CSRF-Token", c.csrf)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	hc := &http.Client{Jar: c.http.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}

// countingBody counts the bytes handlers read of a request body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// A 10 MB body to each kind of write endpoint (JSON, OAuth form, UI form,
// the two logins) is refused with 400 or 413 after reading at most the
// 1 MiB limit, the server keeps answering, and nothing is stored.
func TestHardeningLargeBodiesRefused(t *testing.T) {
	e := newOAuthEnv(t)
	// The same service behind a server that counts what its handlers read.
	var read atomic.Int64
	h := tmhttp.NewServer(tmhttp.Config{Service: e.svc, Logger: slog.New(slog.DiscardHandler)})
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = countingBody{r.Body, &read}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(counting.Close)
	tokens, _ := e.counts()
	csrf := url.Values{"csrf_token": {e.admin.csrf}}.Encode()
	cases := []struct {
		name, path, contentType string
		body                    []byte
	}{
		{"JSON token create", "/api/v1/tokens", "application/json", bigBody(`{"type":"CIToken","name":"`, `"}`)},
		{"JSON user create", "/api/v1/users", "application/json", bigBody(`{"username":"big","password":"`, `"}`)},
		{"JSON login", "/api/v1/auth/login", "application/json", bigBody(`{"username":"admin","password":"`, `"}`)},
		{"OAuth form", "/oauth/token", "application/x-www-form-urlencoded", bigBody("grant_type=client_credentials&scope=", "")},
		{"OAuth introspection form", "/oauth/introspect", "application/x-www-form-urlencoded", bigBody("token=", "")},
		{"UI form", "/ui/tokens/new", "application/x-www-form-urlencoded", bigBody(csrf+"&type=CIToken&expires_on=2026-02-01&name=", "")},
		{"UI login form", "/ui/login", "application/x-www-form-urlencoded", bigBody("username=admin&password=", "")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			read.Store(0)
			status, body := postRaw(t, e.admin, counting.URL, c.path, c.contentType, c.body, nil)
			if n := read.Load(); n > 1<<20+64<<10 {
				t.Errorf("the handler read %d bytes of the 10 MB body, want at most the 1 MiB limit", n)
			} else {
				t.Logf("%d: the handler read %d bytes of the 10 MB body", status, n)
			}
			if status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge && status != http.StatusUnauthorized {
				t.Errorf("status %d, want 400 or 413: %.300s", status, body)
			}
			if status == http.StatusUnauthorized && c.path != "/oauth/introspect" {
				t.Errorf("status 401, want 400 or 413: %.300s", body)
			}
			if strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
				t.Errorf("answer leaks internals: %.300s", body)
			}
		})
	}
	if now, _ := e.counts(); now != tokens {
		t.Errorf("refused bodies created %d tokens", now-tokens)
	}
	if r := e.admin.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusOK {
		t.Errorf("after the large bodies: /api/v1/auth/me %d", r.status)
	}
}

// The static assets are files; their directory is not listed.
func TestHardeningStaticServesFilesOnly(t *testing.T) {
	e := newEnv(t)
	anon := &client{e: e, http: &http.Client{}}
	for _, path := range []string{"/ui/static/", "/ui/static/nope.js"} {
		r := uiDo(t, anon, "GET", path, nil)
		if r.status != http.StatusNotFound || strings.Contains(r.body, "app.js") {
			t.Errorf("GET %s: %d %.200s, want 404 without a listing", path, r.status, r.body)
		}
	}
	if r := uiDo(t, anon, "GET", "/ui/static/app.js", nil); r.status != http.StatusOK {
		t.Errorf("GET /ui/static/app.js: %d", r.status)
	}
}

// Every answer under /ui/ carries the UI's security headers: pages, the
// login page, error pages, redirects and 404s, signed in or not.
func TestHardeningUISecurityHeadersEverywhere(t *testing.T) {
	e := newEnv(t)
	anon := &client{e: e, http: &http.Client{}}
	want := map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	cases := []struct {
		who          *client
		method, path string
		form         url.Values
	}{
		{anon, "GET", "/", nil},
		{anon, "GET", "/ui/", nil},
		{anon, "GET", "/ui/login", nil},
		{anon, "POST", "/ui/login", url.Values{"username": {"admin"}, "password": {"wrong"}}},
		{anon, "PUT", "/ui/login", nil},
		{anon, "GET", "/ui/no-such-page", nil},
		{anon, "GET", "/ui/static/", nil},
		{anon, "GET", "/ui/static/nope.css", nil},
		{e.admin, "GET", "/ui/tokens", nil},
		{e.admin, "GET", "/ui/no-such-page", nil},
		{e.admin, "GET", "/ui/tokens/no-such-token", nil},
		{e.admin, "POST", "/ui/tokens/new", url.Values{"csrf_token": {"wrong"}}},
	}
	for _, c := range cases {
		r := uiDo(t, c.who, c.method, c.path, c.form)
		for h, v := range want {
			if got := r.header.Get(h); !strings.Contains(got, v) {
				t.Errorf("%s %s (%d): %s = %q, want %q", c.method, c.path, r.status, h, got, v)
			}
		}
	}
}
