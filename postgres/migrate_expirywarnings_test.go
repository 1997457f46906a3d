package postgres_test

import (
	"testing"

	"tokenmint/postgres/postgrestest"
	"tokenmint/storetest"
)

// Migration 0016 turns the single expiry_notice_days into a list and the
// notices already sent into notices at that window.
func TestMigration0016ExpiryNoticeList(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	db := mustOpenURL(t, url)
	storetest.SeedBefore0016(t, db)
	for _, q := range storetest.Undo0016 {
		if _, err := db.Pool().Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	storetest.Assert0016Migrated(t, mustOpenURL(t, url))
}
