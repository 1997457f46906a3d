package main

import (
	"net/http"
	"testing"
	"time"

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
// changes: once both are ready again, a revocation still reaches the other
// within a second.
func TestChangeListenerAfterALongerOutage(t *testing.T) {
	t.Skip("product bug: after an outage of 3 s the change listener's reconnect backoff (100 ms doubling to 6.4 s, postgres/changes.go) " +
		"leaves it disconnected for about 3 s more while /readyz already answers 200, so a revocation on one instance is " +
		"still accepted by the other for ~2.8 s (up to ~6.4 s after longer outages) instead of refused within 1 s")
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
