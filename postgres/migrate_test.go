package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
)

// Instances started at once must apply each migration exactly once: the
// advisory lock makes the others wait, and they then find nothing to do.
func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			db, err := postgres.Open(t.Context(), url)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	conn := mustConnect(t, url)
	var count, distinct int
	if err := conn.QueryRow(t.Context(),
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&count, &distinct); err != nil {
		t.Fatal(err)
	}
	if count == 0 || count != distinct {
		t.Fatalf("schema_migrations has %d rows for %d versions", count, distinct)
	}

	// Opening a migrated database again changes nothing.
	db := mustOpenURL(t, url)
	if err := db.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// A database migrated by a newer tokenmint is refused rather than used by
// code that does not know its schema.
func TestOpenRefusesNewerSchema(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	mustOpenURL(t, url)
	conn := mustConnect(t, url)
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version) VALUES ('9999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(t.Context(), url)
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a database with an unknown migration")
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://user:hunter2@[::1")
	if err == nil {
		t.Fatal("Open accepted a malformed URL")
	}
	if got := err.Error(); strings.Contains(got, "hunter2") {
		t.Fatalf("error %q quotes the password", got)
	}
}

// Every connection of the pool carries the statement timeout, so no query
// can hang a request for long.
func TestStatementTimeout(t *testing.T) {
	db := MustOpenDB(t)
	var timeout string
	if err := db.Pool().QueryRow(t.Context(), `SHOW statement_timeout`).Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if timeout != "5s" {
		t.Fatalf("statement_timeout = %q, want 5s", timeout)
	}
	conn, err := db.Pool().Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	_, err = conn.Exec(t.Context(), `SET LOCAL statement_timeout = '50ms'; SELECT pg_sleep(1)`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("long statement: err = %v; want a statement timeout (57014)", err)
	}
}

// The audit log is append-only in the database itself.
func TestAuditLogIsAppendOnly(t *testing.T) {
	db := MustOpenDB(t)
	ctx := t.Context()
	e := &tokenmint.AuditEntry{TenantID: "ten-a", Action: "token.create", Outcome: "success"}
	if err := db.AppendAudit(ctx, e); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET outcome = 'failure'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		if _, err := db.Pool().Exec(ctx, sql); err == nil {
			t.Errorf("%s succeeded on the append-only audit log", sql)
		}
	}
	got, err := db.ListAudit(ctx, tokenmint.AuditFilter{TenantID: "ten-a"})
	if err != nil || len(got) != 1 || got[0].Outcome != "success" {
		t.Fatalf("audit after tampering attempts = %+v, %v", got, err)
	}
}

func mustConnect(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
