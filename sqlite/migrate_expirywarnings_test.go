package sqlite

import (
	"path/filepath"
	"testing"

	"tokenmint/storetest"
)

// Migration 0016 turns the single expiry_notice_days into a list and the
// notices already sent into notices at that window.
func TestMigration0016ExpiryNoticeList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenmint.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedBefore0016(t, db)
	for _, q := range storetest.Undo0016 {
		if _, err := db.write.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.Assert0016Migrated(t, mustOpenPath(t, path))
}
