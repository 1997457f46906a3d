package main

import (
	"net/http"
	"testing"

	"tokenmint/postgres/postgrestest"
)

// PostgreSQL refuses a NUL byte or invalid UTF-8 in any text parameter.
// Such input arrives in paths, query parameters and JSON bodies; on
// PostgreSQL it must be answered like any other bad or unknown input (4xx),
// never as an internal error.
func TestClusterBadTextIsNotAnInternalError(t *testing.T) {
	in := startInstance(t, postgrestest.Start(t).NewDatabase(t))
	s := in.login(t)
	_, id, st := s.createToken("CIToken")
	if st != http.StatusCreated {
		t.Fatalf("create token: %d", st)
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/audit?action=%00", ""},
		{"GET", "/api/v1/audit?object_id=%ff", ""},
		{"GET", "/api/v1/tokens/%00", ""},
		{"GET", "/api/v1/tokens/%ff/usage", ""},
		{"GET", "/api/v1/users/%ff", ""},
		{"GET", "/api/v1/webhooks/%00/deliveries", ""},
		{"DELETE", "/api/v1/tokens/%00", ""},
		{"PATCH", "/api/v1/tokens/" + id, `{"description":"nul \u0000 inside"}`},
		{"POST", "/api/v1/auth/login", `{"username":"\u0000","password":"x"}`},
	} {
		st, body := s.call(c.method, c.path, c.body)
		if st >= 500 || st == 0 {
			t.Errorf("%s %s: %d %s; want a 4xx answer", c.method, c.path, st, body)
		}
	}
	// The instance is none the worse for it.
	if st, _ := s.call("GET", "/api/v1/tokens/"+id, ""); st != http.StatusOK {
		t.Errorf("GET of a good token afterwards: %d", st)
	}
}
