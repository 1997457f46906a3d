package sqlite

import (
	"context"
	"testing"

	"tokenmint"
)

// BenchmarkRecordUsage measures the usage write-back per record (one token
// and client IP used since the last flush), in batches of 10 000 distinct
// tokens: the cost a flush pays per token in use.
//
//	go test -run '^$' -bench RecordUsage -benchtime 5x ./sqlite/
func BenchmarkRecordUsage(b *testing.B) {
	const tokens = 10_000
	db, ids := seedBenchTokens(b, tokens)
	ctx := context.Background()
	batch := make([]tokenmint.UsageRecord, tokens)
	for i, id := range ids {
		batch[i] = tokenmint.UsageRecord{TenantID: "ten", TokenID: id, IP: "192.0.2.7", First: benchEpoch, Last: benchEpoch, Count: 3}
	}
	b.ResetTimer()
	for range b.N {
		if err := db.RecordUsage(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tokens), "ns/record")
}
