package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"tokenmint"
	tmhttp "tokenmint/http"
	"tokenmint/postgres/postgrestest"
)

// cookieCall sends a request with the session cookie value itself, not
// through a jar: a logout's answer clears a jar's cookie, and the test must
// keep presenting the ended session to see it refused by the server.
func cookieCall(t *testing.T, base, cookie, csrf, method, path string) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(""))
	req.AddCookie(&http.Cookie{Name: tmhttp.SessionCookie, Value: cookie})
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// sessionCookieOf returns the session cookie value a signed-in session
// holds for base.
func sessionCookieOf(t *testing.T, s *session) string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base, nil)
	for _, c := range s.c.Jar.Cookies(req.URL) {
		if c.Name == tmhttp.SessionCookie {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// Sessions are cached on every instance. One that ends — a logout, a
// password change — is refused at once on the instance that ended it and,
// through the change feed, on the others within a second. The instances'
// clock stands still, so no cached session ever ages out: only the
// announcement can make the other instance refuse it.
func TestEndedSessionIsRefusedOnEveryInstance(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	clock := tokenmint.NewFakeClock(time.Now())
	a := openInstance(t, url, clock, func(*serverConfig) {})
	a.runBackground(t)
	b := openInstance(t, url, clock, func(*serverConfig) {})
	b.runBackground(t)
	const me = "/api/v1/auth/me"

	for _, end := range []struct {
		name string
		run  func(s *session, cookie string) int
	}{
		{"logout", func(s *session, cookie string) int {
			return cookieCall(t, a.srv.URL, cookie, s.csrf, "POST", "/api/v1/auth/logout")
		}},
		{"password change", func(s *session, cookie string) int {
			st, _ := a.login(t).call("PATCH", "/api/v1/users/admin", `{"password":"cluster-admin-pw"}`)
			return st
		}},
	} {
		t.Run(end.name, func(t *testing.T) {
			s := a.login(t)
			cookie := sessionCookieOf(t, s)
			// Both instances have read, and so cached, the session.
			for _, in := range []*instance{a, b} {
				if st := cookieCall(t, in.srv.URL, cookie, s.csrf, "GET", me); st != 200 {
					t.Fatalf("session on %s before it ended: %d", in.srv.URL, st)
				}
			}
			if st := end.run(s, cookie); st != 200 && st != 204 {
				t.Fatalf("%s: %d", end.name, st)
			}
			if st := cookieCall(t, a.srv.URL, cookie, s.csrf, "GET", me); st != 401 {
				t.Fatalf("the ended session on the instance that ended it: %d, want 401 at once", st)
			}
			refusedWithin(t, time.Second, func() bool { return cookieCall(t, b.srv.URL, cookie, s.csrf, "GET", me) == 401 },
				"the session ended on A is refused by B")
		})
	}
}
