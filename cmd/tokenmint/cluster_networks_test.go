package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"tokenmint/postgres/postgrestest"
)

// Narrowing a token's networks on one instance is refused by another that
// holds the token in its cache within a second (the token change is
// announced like a revocation); widening them again reaches back the same
// way. The instances have no trusted proxy: the client IP is 127.0.0.1.
func TestNarrowedNetworksReachOtherInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)

	st, body := sa.call("POST", "/api/v1/tokens", `{"type":"CIToken","name":"bound","allowed_cidrs":["127.0.0.0/8","2001:db8::/32"]}`)
	if st != http.StatusCreated {
		t.Fatalf("create on A: %d %s", st, body)
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	tok, id := m["token"].(string), m["id"].(string)
	if got := verifyOn(b.srv.URL, tok); got != http.StatusOK {
		t.Fatalf("verify on B from inside: %d", got)
	}
	// B now holds the token, networks included, in its cache.
	if st, body := sa.call("PATCH", "/api/v1/tokens/"+id, `{"allowed_cidrs":["127.0.0.2/32"]}`); st != http.StatusOK {
		t.Fatalf("narrow on A: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(b.srv.URL, tok) == http.StatusForbidden }, "narrowing on A reaches B")
	if got := verifyOn(a.srv.URL, tok); got != http.StatusForbidden {
		t.Fatalf("verify on A after narrowing: %d", got)
	}
	if st, body := sb.call("PATCH", "/api/v1/tokens/"+id, `{"allowed_cidrs":["127.0.0.1"]}`); st != http.StatusOK {
		t.Fatalf("change on B: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(a.srv.URL, tok) == http.StatusOK }, "the change on B reaches A")
}
