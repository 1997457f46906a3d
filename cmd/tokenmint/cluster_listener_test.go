package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"tokenmint"

	"tokenmint/postgres/postgrestest"
)

// After a PostgreSQL restart, or an outage of a few seconds as a failover
// takes, both instances listen for changes again: /readyz answers 200 only
// once the change listener is back, and then a revocation on either is
// refused by the other within a second, as before.
func TestChangeListenerSurvivesPostgreSQLOutages(t *testing.T) {
	for _, c := range []struct {
		name   string
		outage func(t *testing.T, pg *postgrestest.Server)
	}{
		{"restart", func(t *testing.T, pg *postgrestest.Server) { pg.Restart(t) }},
		{"3 s down", func(t *testing.T, pg *postgrestest.Server) { pg.Down(t); time.Sleep(3 * time.Second); pg.Up(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			pg := postgrestest.New(t) // a server of its own: this test stops it
			url := pg.NewDatabase(t)
			a := startInstance(t, url)
			b := startInstance(t, url)
			sa, sb := a.login(t), b.login(t)
			revocationReaches(t, sa, b, "before, A to B")

			c.outage(t, pg)
			back := time.Now()
			for name, in := range map[string]*instance{"A": a, "B": b} {
				waitFor(t, 30*time.Second, func() bool { return readyz(in) == http.StatusOK }, "instance "+name+" ready again")
			}
			t.Logf("both instances ready %v after the database", time.Since(back).Round(time.Millisecond))
			revocationReaches(t, sa, b, "after, A to B")
			revocationReaches(t, sb, a, "after, B to A")
		})
	}
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
	in := openInstance(t, postgrestest.Start(t).NewDatabase(t), tokenmint.SystemClock{}, func(*serverConfig) {})
	resp, err := http.Get(in.srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "listening") {
		t.Fatalf("/readyz without the listener: %d %s, want 503 naming the listener", resp.StatusCode, body)
	}
	in.runBackground(t)
	waitFor(t, 10*time.Second, func() bool { return readyz(in) == http.StatusOK }, "ready once listening")
}
