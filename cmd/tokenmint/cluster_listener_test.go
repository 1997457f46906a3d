package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"tokenmint"

	"tokenmint/postgres/postgrestest"
)

// After a PostgreSQL restart both instances listen for changes again: once
// they are ready, a revocation on either is refused by the other within a
// second, as before the restart.
func TestChangeListenerSurvivesPostgreSQLRestart(t *testing.T) {
	pg := postgrestest.New(t) // a server of its own: this test restarts it
	url := pg.NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)
	revocationReaches(t, sa, b, "before the restart, A to B")

	pg.Restart(t)
	restarted := time.Now()
	for name, in := range map[string]*instance{"A": a, "B": b} {
		waitFor(t, 30*time.Second, func() bool { return readyz(in) == http.StatusOK }, "instance "+name+" ready after the restart")
	}
	t.Logf("both instances ready %v after the restart", time.Since(restarted).Round(time.Millisecond))
	revocationReaches(t, sa, b, "after the restart, A to B")
	revocationReaches(t, sb, a, "after the restart, B to A")
}

// An outage of a few seconds, as a real PostgreSQL restart or failover
// takes, must not leave an instance that reports ready deaf to the others'
// changes: /readyz answers 200 only once the change listener is back, and
// then a revocation reaches the other instance within a second.
func TestChangeListenerAfterALongerOutage(t *testing.T) {
	pg := postgrestest.New(t) // a server of its own: this test stops it
	url := pg.NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)
	revocationReaches(t, sa, b, "before the outage, A to B")

	pg.Down(t)
	time.Sleep(3 * time.Second)
	pg.Up(t)
	for name, in := range map[string]*instance{"A": a, "B": b} {
		waitFor(t, 30*time.Second, func() bool { return readyz(in) == http.StatusOK }, "instance "+name+" ready after the outage")
	}
	revocationReaches(t, sa, b, "after the outage, A to B")
	revocationReaches(t, sb, a, "after the outage, B to A")
}

// revocationReaches creates a token through from, has to verify it (so to
// caches it), revokes it through from and expects to to refuse it within a
// second. Creating and the first verification are retried for a while: a
// pool may still hand out a connection the restart broke, which is not
// what this checks.
func revocationReaches(t *testing.T, from *session, to *instance, what string) {
	t.Helper()
	var tok, id string
	waitFor(t, 10*time.Second, func() bool {
		var st int
		tok, id, st = from.createToken("CIToken")
		return st == http.StatusCreated
	}, what+": creating a token")
	waitFor(t, 10*time.Second, func() bool { return verifyOn(to.srv.URL, tok) == http.StatusOK }, what+": the token verifies")
	from.expectCall(http.StatusNoContent, "DELETE", "/api/v1/tokens/"+id, "")
	refusedWithin(t, time.Second, func() bool { return verifyOn(to.srv.URL, tok) == http.StatusUnauthorized }, what+": revocation")
}

func readyz(in *instance) int {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(in.srv.URL + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// An instance is ready only while it hears the others' changes: with its
// change listener stopped, /readyz answers 503 and says why, though the
// database answers.
func TestReadyzRequiresTheChangeListener(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := &serverConfig{DataDir: t.TempDir(), Database: url, AdminPassword: "cluster-admin-pw", Pepper: clusterPepper, MasterKey: clusterMasterKey}
	a, err := openApp(context.Background(), cfg, log, tokenmint.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { srv.Close(); cancel(); wg.Wait(); a.close(context.Background()) }()
	in := &instance{app: a, srv: srv}
	// The background work (and with it the listener) is not started yet.
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "listening") {
		t.Fatalf("/readyz without the listener: %d %s, want 503 naming the listener", resp.StatusCode, body)
	}
	for _, run := range a.background {
		wg.Add(1)
		go func() { defer wg.Done(); run(ctx) }()
	}
	waitFor(t, 10*time.Second, func() bool { return readyz(in) == http.StatusOK }, "ready once listening")
}
