package service_test

import (
	"context"
	"database/sql"
	"testing"

	"tokenmint/service"
)

// Verification writes nothing to the database (usage is buffered), except
// spending a use of a limited-use token. The database's data_version, read
// on a connection of its own, changes with every commit made by any other
// connection: it is the witness.
func TestVerifyWritesNothingButSpentUses(t *testing.T) {
	svc, ctx, db, _ := newService(t)
	unlimited, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "many"})
	if err != nil {
		t.Fatal(err)
	}
	single, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "ScanCentralOneTimeJobToken", Name: "once"})
	if err != nil {
		t.Fatal(err)
	}
	witness, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer witness.Close()
	witness.SetMaxOpenConns(1) // data_version compares commits seen by one connection
	version := func() int64 {
		t.Helper()
		var v int64
		if err := witness.QueryRow("PRAGMA data_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	before := version()
	for i := range 1000 {
		if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: unlimited.Plain, IP: "10.0.0.1", Permission: "results:upload"}); err != nil {
			t.Fatalf("verify %d: %v", i, err)
		}
	}
	if after := version(); after != before {
		t.Errorf("1000 verifications of an unlimited token changed the database (data_version %d → %d)", before, after)
	}
	// The witness sees a write when there is one: spending a single use.
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: single.Plain, IP: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if after := version(); after == before {
		t.Error("spending the single use of a token left data_version unchanged: the witness sees nothing")
	}
}
