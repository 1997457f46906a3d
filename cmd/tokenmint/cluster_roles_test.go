package main

import (
	"encoding/json"
	"testing"
	"time"

	"tokenmint/postgres/postgrestest"
)

// expectCall makes a call, fails the test unless it answers want, and
// returns the JSON object of the answer (nil for an empty body).
func (s *session) expectCall(want int, method, path, body string) map[string]any {
	s.t.Helper()
	st, b := s.call(method, path, body)
	if st != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, st, b, want)
	}
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return m
}

// addUser creates a user through an admin session and returns its ID; the
// password is the name followed by "-password".
func addUser(s *session, name, rolesJSON string) string {
	s.t.Helper()
	m := s.expectCall(201, "POST", "/api/v1/users",
		`{"username":"`+name+`","email":"`+name+`@example.com","password":"`+name+`-password","roles":`+rolesJSON+`}`)
	return m["id"].(string)
}

// signIn logs a user created by addUser in on an instance.
func signIn(t *testing.T, in *instance, name string) *session {
	t.Helper()
	s, st := loginTo(t, in.srv.URL, name, name+"-password")
	if st != 200 {
		t.Fatalf("%s login: %d", name, st)
	}
	return s
}

// A user demoted on instance A loses the write permissions of their token
// on instance B within a second, keeps the read ones, and a promotion comes
// back the same way.
func TestRoleChangeReachesOtherInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)
	monaID := addUser(sa, "mona", `["member"]`)
	tok, _, st := signIn(t, a, "mona").createToken("CIToken")
	if st != 201 {
		t.Fatalf("mona's token on A: %d", st)
	}
	// B caches the token and mona's grants.
	for _, p := range []string{"results:upload", "reports:read"} {
		if got := verifyFor(b.srv.URL, tok, p); got != 200 {
			t.Fatalf("%s on B before the change: %d", p, got)
		}
	}

	sa.expectCall(200, "PATCH", "/api/v1/users/"+monaID, `{"roles":["viewer"]}`)
	refusedWithin(t, time.Second, func() bool { return verifyFor(b.srv.URL, tok, "results:upload") == 403 },
		"demotion to viewer on A reaches B")
	if got := verifyFor(b.srv.URL, tok, "reports:read"); got != 200 {
		t.Errorf("a viewer's read permission on B: %d, want 200", got)
	}
	if got := verifyFor(a.srv.URL, tok, "results:upload"); got != 403 {
		t.Errorf("results:upload on A after the demotion: %d, want 403", got)
	}

	// The other way round: promoted on B, A lets the write through again.
	if got := verifyFor(a.srv.URL, tok, "reports:read"); got != 200 { // A caches the viewer grants
		t.Fatalf("reports:read on A: %d", got)
	}
	sb.expectCall(200, "PATCH", "/api/v1/users/"+monaID, `{"roles":["member"]}`)
	refusedWithin(t, time.Second, func() bool { return verifyFor(a.srv.URL, tok, "results:upload") == 200 },
		"promotion to member on B reaches A")

	// No role left at all: nothing is allowed on the other instance.
	sa.expectCall(200, "PATCH", "/api/v1/users/"+monaID, `{"roles":[]}`)
	refusedWithin(t, time.Second, func() bool { return verifyFor(b.srv.URL, tok, "reports:read") == 403 },
		"removal of every role on A reaches B")
}

// Granting, changing and removing a project membership on one instance
// changes what a project-scoped token may do on the other within a second.
func TestProjectMembershipReachesOtherInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)
	sa.expectCall(201, "POST", "/api/v1/projects", `{"name":"web"}`)
	piaID := addUser(sa, "pia", `["viewer"]`) // tenant-wide she only reads
	sa.expectCall(200, "PUT", "/api/v1/projects/web/members/"+piaID, `{"role":"member"}`)
	m := signIn(t, a, "pia").expectCall(201, "POST", "/api/v1/tokens", `{"type":"ProjectAnalysisToken","name":"pat","project":"web"}`)
	tok := m["token"].(string)
	upload := func(base string) int { return verifyFor(base, tok, "results:upload&project=web") }
	read := func(base string) int { return verifyFor(base, tok, "api:read&project=web") }
	if got := upload(b.srv.URL); got != 200 { // B caches token, grants and project
		t.Fatalf("upload on B as a project member: %d", got)
	}

	// Removed from the project on A.
	sa.expectCall(204, "DELETE", "/api/v1/projects/web/members/"+piaID, "")
	refusedWithin(t, time.Second, func() bool { return upload(b.srv.URL) == 403 }, "membership removal on A reaches B")
	if got := read(b.srv.URL); got != 200 {
		t.Errorf("read on B after the removal (tenant-wide viewer): %d, want 200", got)
	}

	// Granted again on B, seen by A (which cached the removal).
	if got := upload(a.srv.URL); got != 403 {
		t.Fatalf("upload on A after the removal: %d", got)
	}
	sb.expectCall(200, "PUT", "/api/v1/projects/web/members/"+piaID, `{"role":"member"}`)
	refusedWithin(t, time.Second, func() bool { return upload(a.srv.URL) == 200 }, "membership grant on B reaches A")

	// The membership's role lowered to viewer on A, seen by B.
	if got := upload(b.srv.URL); got != 200 {
		t.Fatalf("upload on B after the new grant: %d", got)
	}
	sa.expectCall(200, "PUT", "/api/v1/projects/web/members/"+piaID, `{"role":"viewer"}`)
	refusedWithin(t, time.Second, func() bool { return upload(b.srv.URL) == 403 }, "membership role change on A reaches B")
	if got := read(b.srv.URL); got != 200 {
		t.Errorf("read on B as a project viewer: %d, want 200", got)
	}
}
