package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tokenmint"
)

// benchEpoch is the time the benchmarks' tenant and tokens are made at.
var benchEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// seedBenchTokens opens a database with tenant "ten" and n active tokens
// of user "usr", IDs "tok-000000" on, each stored with its ID as its
// secret's hash.
func seedBenchTokens(b *testing.B, n int) (*DB, []string) {
	b.Helper()
	db := MustOpenDB(b)
	ctx := context.Background()
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten", Name: "ten", CreatedAt: benchEpoch}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		id := fmt.Sprintf("tok-%06d", i)
		t := &tokenmint.Token{ID: id, TenantID: "ten", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr",
			Type: "ci", Name: id, CreatedAt: benchEpoch, UpdatedAt: benchEpoch, StoredStatus: tokenmint.StatusActive}
		if err := db.CreateToken(ctx, t, []byte(id)); err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	return db, ids
}
