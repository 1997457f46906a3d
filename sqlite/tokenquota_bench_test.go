package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tokenmint"
)

// BenchmarkCreateToken measures a token creation without a quota and with
// one that counts an owner holding 499 live tokens (the default quota is
// 500), the cost the quota adds to every creation.
//
//	go test -run '^$' -bench CreateToken -benchtime 2000x ./sqlite/
func BenchmarkCreateToken(b *testing.B) {
	for _, max := range []int{0, tokenmint.DefaultMaxTokensPerOwner} {
		b.Run(fmt.Sprintf("quota=%v", max > 0), func(b *testing.B) {
			db := MustOpenDB(b)
			ctx := context.Background()
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten", Name: "ten", CreatedAt: now}); err != nil {
				b.Fatal(err)
			}
			tok := func(id string) *tokenmint.Token {
				return &tokenmint.Token{ID: id, TenantID: "ten", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr",
					Type: "ci", Name: id, CreatedAt: now, UpdatedAt: now, StoredStatus: tokenmint.StatusActive}
			}
			for i := range 499 {
				id := fmt.Sprintf("held-%04d", i)
				if err := db.CreateToken(ctx, tok(id), []byte(id)); err != nil {
					b.Fatal(err)
				}
			}
			qctx := tokenmint.WithTokenQuota(ctx, tokenmint.TokenQuota{Max: max, Now: now})
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("new-%08d", i)
				t := tok(id)
				// Stored revoked, so the count stays at 499 live and
				// every creation passes the quota after counting.
				t.StoredStatus = tokenmint.StatusRevoked
				if err := db.CreateToken(qctx, t, []byte(id)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
