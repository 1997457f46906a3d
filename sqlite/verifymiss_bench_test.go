package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tokenmint"
)

// BenchmarkVerifyMissReads measures the three reads a verification makes
// when its token is not cached (the token by its secret's hash, its IP
// blocks, its rate limits), among 10 000 tokens, each read in turn.
//
//	go test -run '^$' -bench VerifyMissReads -benchmem ./sqlite/
func BenchmarkVerifyMissReads(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten", Name: "ten", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	const tokens = 10_000
	for i := range tokens {
		id := fmt.Sprintf("tok-%05d", i)
		t := &tokenmint.Token{ID: id, TenantID: "ten", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr",
			Type: "ci", Name: id, CreatedAt: now, UpdatedAt: now, StoredStatus: tokenmint.StatusActive}
		if err := db.CreateToken(ctx, t, []byte(id)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("tok-%05d", i%tokens)
		tok, _, err := db.TokenBySecret(ctx, []byte(id))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.BlockedIPs(ctx, "ten", tok.ID); err != nil {
			b.Fatal(err)
		}
		if _, _, err := db.RateLimitsOf(ctx, "ten", tok.ID, tok.OwnerKind, tok.OwnerID); err != nil {
			b.Fatal(err)
		}
	}
}
