package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
	"tokenmint/service"
)

func TestMain(m *testing.M) { postgrestest.Main(m) }

const clusterPepper = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// clusterMasterKey is shared like the pepper: every instance must open the
// signing keys.
const clusterMasterKey = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

// instance is one tokenmint server of a cluster sharing a PostgreSQL
// database, with its background loops running.
type instance struct {
	app *app
	srv *httptest.Server
}

// startInstance runs one tokenmint on the database, with its background
// loops (jobs, change listener), until the test ends.
func startInstance(t *testing.T, dbURL string) *instance {
	t.Helper()
	return startInstanceWith(t, dbURL, func(*serverConfig) {})
}

// startInstanceWith is startInstance with a say in the configuration.
func startInstanceWith(t *testing.T, dbURL string, configure func(*serverConfig)) *instance {
	t.Helper()
	in := openInstance(t, dbURL, tokenmint.SystemClock{}, configure)
	in.runBackground(t)
	return in
}

// openInstance is startInstanceWith on clock without the background
// loops: it serves requests, but runs no jobs and hears no other instance
// (tests with a fake clock drive the jobs themselves).
func openInstance(t *testing.T, dbURL string, clock tokenmint.Clock, configure func(*serverConfig)) *instance {
	t.Helper()
	cfg := &serverConfig{DataDir: t.TempDir(), Database: dbURL, AdminPassword: "cluster-admin-pw", Pepper: clusterPepper, MasterKey: clusterMasterKey}
	configure(cfg)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := openApp(context.Background(), cfg, log, clock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(func() {
		srv.Close()
		a.close(context.Background())
	})
	return &instance{app: a, srv: srv}
}

// runBackground starts the instance's background loops (jobs, change
// listener) until the test ends.
func (in *instance) runBackground(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, run := range in.app.background {
		wg.Add(1)
		go func() { defer wg.Done(); run(ctx) }()
	}
	// Cleanups run last first: the loops stop before the app closes.
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// session is a signed-in admin on one instance.
type session struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func (in *instance) login(t *testing.T) *session {
	t.Helper()
	return in.loginWith(t, "cluster-admin-pw")
}

func (in *instance) loginWith(t *testing.T, password string) *session {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{t: t, base: in.srv.URL, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	status, body := s.call("POST", "/api/v1/auth/login", `{"username":"admin","password":"`+password+`"}`)
	if status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	s.csrf = m["csrf_token"].(string)
	return s
}

func (s *session) call(method, path, body string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-CSRF-Token", s.csrf)
	resp, err := s.c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (s *session) createToken(typ string) (plain, id string, status int) {
	s.t.Helper()
	st, body := s.call("POST", "/api/v1/tokens", `{"type":"`+typ+`","name":"n"}`)
	if st != http.StatusCreated {
		return "", "", st
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	return m["token"].(string), m["id"].(string), st
}

func verifyOn(base, tok string) int { return verifyFor(base, tok, "results:upload") }

// verifyFor asks the verify endpoint whether tok holds permission.
func verifyFor(base, tok, permission string) int {
	req, _ := http.NewRequest("GET", base+"/api/v1/auth/verify?permission="+permission, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestTwoInstancesShareOnePostgreSQL(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)

	// Created on A, verified on B.
	tok, id, st := sa.createToken("CIToken")
	if st != 201 {
		t.Fatalf("create on A: %d", st)
	}
	if got := verifyOn(b.srv.URL, tok); got != 200 {
		t.Fatalf("verify on B: %d", got)
	}
	// B now holds the token in its cache. Revoked on A, refused by B within a second.
	if st, body := sa.call("DELETE", "/api/v1/tokens/"+id, ""); st != 204 {
		t.Fatalf("revoke on A: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(b.srv.URL, tok) == 401 }, "revocation on A reaches B")

	// Deactivation and a role change on B reach A the same way.
	tok2, id2, _ := sb.createToken("CIToken")
	if verifyOn(a.srv.URL, tok2) != 200 {
		t.Fatal("verify on A")
	}
	sb.call("PATCH", "/api/v1/tokens/"+id2, `{"active":false}`)
	refusedWithin(t, time.Second, func() bool { return verifyOn(a.srv.URL, tok2) == 401 }, "deactivation on B reaches A")
	sb.call("PATCH", "/api/v1/tokens/"+id2, `{"active":true}`)
	refusedWithin(t, time.Second, func() bool { return verifyOn(a.srv.URL, tok2) == 200 }, "reactivation on B reaches A")
	if st, body := sb.call("POST", "/api/v1/users", `{"username":"dora","password":"dora-password","roles":["member"]}`); st != 201 {
		t.Fatalf("create user: %d %s", st, body)
	}
	jar, _ := cookiejar.New(nil)
	dora := &session{t: t, base: a.srv.URL, c: &http.Client{Jar: jar}}
	st, body := dora.call("POST", "/api/v1/auth/login", `{"username":"dora","password":"dora-password"}`)
	if st != 200 {
		t.Fatalf("dora login: %d %s", st, body)
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	dora.csrf, _ = m["csrf_token"].(string)
	doraTok, _, st := dora.createToken("CIToken")
	if st != 201 || verifyOn(a.srv.URL, doraTok) != 200 {
		t.Fatalf("dora's token: %d", st)
	}
	doraID := m["user"].(map[string]any)["id"].(string)
	sb.call("PATCH", "/api/v1/users/"+doraID, `{"enabled":false}`)
	refusedWithin(t, time.Second, func() bool { return verifyOn(a.srv.URL, doraTok) == 401 }, "disabling a user on B reaches A")
}

func TestSingleUseTokenIsSpentOnceAcrossInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	tok, _, st := a.login(t).createToken("ScanCentralOneTimeJobToken")
	if st != 201 {
		t.Fatal(st)
	}
	const n = 100
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		base := a.srv.URL
		if i%2 == 1 {
			base = b.srv.URL
		}
		wg.Add(1)
		go func(i int, base string) {
			defer wg.Done()
			<-start
			codes[i] = verifyOn(base, tok)
		}(i, base)
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 401:
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d verifications across two instances succeeded, want exactly 1", ok, n)
	}
}

func TestPostgreSQLRestartUnderLoad(t *testing.T) {
	pg := postgrestest.New(t) // a server of its own: this test stops it
	url := pg.NewDatabase(t)
	a := startInstance(t, url)
	s := a.login(t)

	var (
		mu           sync.Mutex
		acknowledged []string // tokens whose creation answered 201
		statuses     = map[int]int{}
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // light load: create and verify in a loop
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			tok, _, st := s.createToken("CIToken")
			v := 0
			if st == 201 {
				v = verifyOn(a.srv.URL, tok)
			}
			mu.Lock()
			statuses[st]++
			if st == 201 {
				acknowledged = append(acknowledged, tok)
				statuses[v]++
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	pg.Down(t)
	// While the database is down: 503, never 500 or a wrong 401.
	downTok, _, st := s.createToken("CIToken")
	if st != http.StatusServiceUnavailable || downTok != "" {
		t.Errorf("create while down: %d", st)
	}
	unseen := tokenmint.FormatToken('u', strings.Repeat("Q", tokenmint.RandomLen))
	if got := verifyOn(a.srv.URL, unseen); got != http.StatusServiceUnavailable {
		t.Errorf("verify of an uncached token while down: %d, want 503", got)
	}
	if st, _ := s.call("GET", "/readyz", ""); st != http.StatusServiceUnavailable {
		t.Errorf("/readyz while down: %d", st)
	}
	time.Sleep(300 * time.Millisecond)
	pg.Up(t)
	// Service resumes by itself.
	refusedWithin(t, 15*time.Second, func() bool {
		st, _ := s.call("GET", "/readyz", "")
		return st == 200
	}, "readyz recovers")
	refusedWithin(t, 15*time.Second, func() bool { _, _, st := s.createToken("CIToken"); return st == 201 }, "creation resumes")
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for st, n := range statuses {
		if st != 200 && st != 201 && st != 503 {
			t.Errorf("%d answers with status %d during the restart", n, st)
		}
	}
	if len(acknowledged) < 5 {
		t.Fatalf("only %d tokens were created under load", len(acknowledged))
	}
	// Nothing acknowledged before or after the restart is lost.
	a.app.svc.Invalidate(serviceChangeAll())
	for _, tok := range acknowledged {
		if got := verifyOn(a.srv.URL, tok); got != 200 {
			t.Fatalf("acknowledged token %.10s… verifies %d after the restart", tok, got)
		}
	}
	t.Logf("statuses under restart: %v; %d tokens acknowledged", statuses, len(acknowledged))
}

// refusedWithin polls cond until it holds or the deadline passes.
func refusedWithin(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func serviceChangeAll() service.Change { return service.Change{Kind: service.ChangeAll} }
