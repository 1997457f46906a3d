package postgres_test

import (
	"context"
	"testing"

	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
)

func TestMain(m *testing.M) { postgrestest.Main(m) }

// MustOpenDB opens a Store on a fresh database of the test binary's shared
// server; the store is closed and the database dropped when tb ends.
func MustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	return mustOpenURL(tb, newMigratedDatabase(tb))
}

// newMigratedDatabase creates a database for tb as a copy of one migrated
// once per test binary, which is several times faster than migrating each
// test's database. Open still runs and finds nothing to apply; tests of
// migrating an empty database use postgrestest's NewDatabase.
func newMigratedDatabase(tb testing.TB) string {
	tb.Helper()
	srv := postgrestest.Start(tb)
	tmpl := srv.Template(tb, "tokenmint_migrated", func(url string) error {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			return err
		}
		return db.Close()
	})
	return srv.NewDatabaseFrom(tb, tmpl)
}

// mustOpenURL opens a Store on an existing database, closed when tb ends.
func mustOpenURL(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
