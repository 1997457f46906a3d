package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tokenmint"
)

// BenchmarkRecordUsage measures the usage write-back per record (one token
// and client IP used since the last flush), in batches of 10 000 distinct
// tokens: the cost a flush pays per token in use.
//
//	go test -run '^$' -bench RecordUsage -benchtime 5x ./sqlite/
func BenchmarkRecordUsage(b *testing.B) {
	const tokens = 10_000
	db := MustOpenDB(b)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten", Name: "ten", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	batch := make([]tokenmint.UsageRecord, tokens)
	for i := range tokens {
		id := fmt.Sprintf("tok-%06d", i)
		t := &tokenmint.Token{ID: id, TenantID: "ten", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr",
			Type: "ci", Name: id, CreatedAt: now, UpdatedAt: now, StoredStatus: tokenmint.StatusActive}
		if err := db.CreateToken(ctx, t, []byte(id)); err != nil {
			b.Fatal(err)
		}
		batch[i] = tokenmint.UsageRecord{TenantID: "ten", TokenID: id, IP: "192.0.2.7", First: now, Last: now, Count: 3}
	}
	b.ResetTimer()
	for range b.N {
		if err := db.RecordUsage(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tokens), "ns/record")
}
