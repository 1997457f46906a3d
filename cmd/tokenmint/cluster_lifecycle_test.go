package main

import (
	"testing"
	"time"

	"tokenmint/postgres/postgrestest"
)

// An IP block set on one instance is enforced by the other within a
// second, and so is its removal.
func TestIPBlockReachesOtherInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)
	tok, id, st := sa.createToken("CIToken")
	if st != 201 {
		t.Fatalf("create on A: %d", st)
	}
	if got := verifyOn(b.srv.URL, tok); got != 200 { // B caches the token
		t.Fatalf("verify on B: %d", got)
	}
	// Test clients connect from the loopback, which is the client IP here.
	if st, body := sa.call("PUT", "/api/v1/tokens/"+id+"/blocked-ips/127.0.0.0%2F8", ""); st != 200 {
		t.Fatalf("block on A: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(b.srv.URL, tok) == 403 }, "block on A reaches B")
	if st, body := sb.call("DELETE", "/api/v1/tokens/"+id+"/blocked-ips/127.0.0.0/8", ""); st != 204 {
		t.Fatalf("unblock on B: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(a.srv.URL, tok) == 200 }, "unblock on B reaches A")
}
