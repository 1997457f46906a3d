package sqlite

import (
	"path/filepath"
	"testing"

	"tokenmint/storetest"
)

// Migration 0007 renames application and application-token names that
// differ only in case, which earlier versions accepted, before it makes
// names unique without regard to case.
func TestMigration0007RenamesNamesDifferingInCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenmint.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Back to the schema before 0007.
	for _, q := range []string{
		`DROP INDEX applications_name_ci`,
		`DROP INDEX tokens_application_name_ci`,
		`DELETE FROM schema_migrations WHERE version = '0007_names_ignore_case.sql'`,
	} {
		if _, err := db.write.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	storetest.SeedNamesDifferingInCase(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.AssertNamesDifferingInCaseRenamed(t, mustOpenPath(t, path))
}
