package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"sort"
	"testing"
	"testing/fstest"
)

// fsGlob lists the embedded migrations.
func fsGlob() ([]string, error) {
	names, err := fs.Glob(migrations(), "*.sql")
	sort.Strings(names)
	return names, err
}

// openRaw opens a bare write pool on a new file, without migrations.
func openRaw(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "raw.db"), false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// A later release appends a migration; opening applies only the new one,
// in file-name order.
func TestMigrateAppliesOnlyNewFilesInOrder(t *testing.T) {
	db := openRaw(t)
	v1 := fstest.MapFS{
		"0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
	}
	if err := migrate(t.Context(), db, v1); err != nil {
		t.Fatalf("migrate v1: %v", err)
	}
	v2 := fstest.MapFS{
		"0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)}, // would fail if run twice
		// 0003 needs 0002's table: a wrong order fails.
		"0003_c.sql": {Data: []byte(`CREATE INDEX b_y ON b (y);`)},
		"0002_b.sql": {Data: []byte(`CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);`)},
		"README.md":  {Data: []byte(`not a migration`)},
	}
	if err := migrate(t.Context(), db, v2); err != nil {
		t.Fatalf("migrate v2: %v", err)
	}
	if err := migrate(t.Context(), db, v2); err != nil {
		t.Fatalf("migrate v2 again: %v", err)
	}
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM b`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows in b = %d, %v; want 1 (0002 applied once)", n, err)
	}
	var versions []string
	rows, err := db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		rows.Scan(&v)
		versions = append(versions, v)
	}
	if len(versions) != 3 || versions[0] != "0001_a.sql" || versions[2] != "0003_c.sql" {
		t.Errorf("schema_migrations = %v", versions)
	}
}

// A failing migration leaves neither its changes nor a record behind.
func TestMigrateFailureRollsBack(t *testing.T) {
	db := openRaw(t)
	bad := fstest.MapFS{
		"0001_bad.sql": {Data: []byte(`CREATE TABLE half (x INTEGER); INSERT INTO missing VALUES (1);`)},
	}
	if err := migrate(t.Context(), db, bad); err == nil {
		t.Fatal("migrate with a broken file succeeded")
	}
	if tableExists(t, db, "half") {
		t.Error("the failed migration's table exists")
	}
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != 0 {
		t.Errorf("schema_migrations rows = %d, %v; want 0", n, err)
	}
}

// A binary older than the database refuses to run on it.
func TestMigrateRefusesNewerDatabase(t *testing.T) {
	db := openRaw(t)
	newer := fstest.MapFS{
		"0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"0002_b.sql": {Data: []byte(`CREATE TABLE b (x INTEGER);`)},
	}
	if err := migrate(t.Context(), db, newer); err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{"0001_a.sql": newer["0001_a.sql"]}
	if err := migrate(t.Context(), db, older); err == nil {
		t.Error("an older migration set ran on a newer database")
	}
}

// The embedded schema creates every table the Store uses.
func TestEmbeddedSchema(t *testing.T) {
	db := MustOpenDB(t)
	for _, table := range []string{"schema_migrations", "tenants", "users", "projects", "memberships",
		"policies", "tokens", "token_secrets", "token_usage", "sessions", "audit_log"} {
		if !tableExists(t, db.write, table) {
			t.Errorf("table %s missing", table)
		}
	}
}
