package postgres_test

import (
	"testing"

	"tokenmint/postgres/postgrestest"
	"tokenmint/storetest"
)

// Migration 0007 renames application and application-token names that
// differ only in case, which earlier versions accepted, before it makes
// names unique without regard to case.
func TestMigration0007RenamesNamesDifferingInCase(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	db := mustOpenURL(t, url)
	// Back to the schema before 0007.
	for _, q := range []string{
		`DROP INDEX applications_name_ci`,
		`DROP INDEX tokens_application_name_ci`,
		`DELETE FROM schema_migrations WHERE version = '0007_names_ignore_case.sql'`,
	} {
		if _, err := db.Pool().Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	storetest.SeedNamesDifferingInCase(t, db)
	db.Close()
	storetest.AssertNamesDifferingInCaseRenamed(t, mustOpenURL(t, url))
}
