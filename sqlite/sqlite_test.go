package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/storetest"
)

// MustOpenDB opens a fresh database file in a temporary directory and
// closes it when the test ends.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "tokenmint.db"))
}

// mustOpenPath opens the database at path and closes it when the test ends.
func mustOpenPath(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

func newStore(t *testing.T) tokenmint.Store { return MustOpenDB(t) }

func TestStore(t *testing.T) {
	storetest.Run(t, newStore)
}

func TestStoreConcurrency(t *testing.T) {
	storetest.RunConcurrency(t, newStore)
}

// appliedMigrations returns schema_migrations as version -> applied_at.
func appliedMigrations(t *testing.T, db *DB) map[string]int64 {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var v string
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatalf("scan: %v", err)
		}
		out[v] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	return out
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenmint.db")
	created := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.CreateTenant(t.Context(), &tokenmint.Tenant{ID: "ten-0001", Name: "default", CreatedAt: created}); err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	before := appliedMigrations(t, db)
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = mustOpenPath(t, path)
	got, err := db.TenantByName(t.Context(), "default")
	if err != nil {
		t.Fatalf("TenantByName after reopen: %v", err)
	}
	if got.ID != "ten-0001" || !got.CreatedAt.Equal(created) {
		t.Errorf("tenant after reopen = %+v", *got)
	}

	after := appliedMigrations(t, db)
	names, err := fsGlob()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(names) || len(names) == 0 {
		t.Errorf("schema_migrations has %d rows, want one per embedded migration (%d)", len(after), len(names))
	}
	for v, appliedAt := range before {
		if after[v] != appliedAt {
			t.Errorf("migration %s re-applied: applied_at %d, then %d", v, appliedAt, after[v])
		}
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	db := MustOpenDB(t)
	tests := []struct {
		pragma string
		pool   string
		want   string
	}{
		{"journal_mode", "write", "wal"},
		{"foreign_keys", "write", "1"},
		{"foreign_keys", "read", "1"},
		{"busy_timeout", "write", "5000"},
		{"busy_timeout", "read", "5000"},
		{"synchronous", "write", "1"}, // NORMAL
		{"query_only", "read", "1"},
		{"query_only", "write", "0"},
		{"temp_store", "write", "2"}, // MEMORY
	}
	for _, tt := range tests {
		t.Run(tt.pool+"/"+tt.pragma, func(t *testing.T) {
			pool := db.write
			if tt.pool == "read" {
				pool = db.read
			}
			var got string
			if err := pool.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}
}

// The data directory is the user's choice, so its path may hold characters
// that mean something in a URI.
func TestOpenPathWithSpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my data", "token?mint#1%.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db := mustOpenPath(t, path)
	if err := db.CreateTenant(t.Context(), &tokenmint.Tenant{ID: "ten-0001", Name: "default", CreatedAt: time.Now()}); err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not at %q: %v", path, err)
	}
}

func TestOpenRequiresFile(t *testing.T) {
	for _, path := range []string{"", ":memory:"} {
		if db, err := Open(path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

// Errors that reach callers carry a safe message; driver errors are
// internal and never become a domain message.
func TestInternalErrorsAreNotDomainErrors(t *testing.T) {
	db := MustOpenDB(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := db.TenantByID(ctx, "ten-0001")
	if err == nil {
		t.Fatal("TenantByID with a cancelled context succeeded")
	}
	if code := tokenmint.ErrorCode(err); code != tokenmint.EINTERNAL {
		t.Errorf("code = %s, want internal", code)
	}
	if msg := tokenmint.ErrorMessage(err); msg != "internal error" {
		t.Errorf("message = %q, want the generic one", msg)
	}
}
