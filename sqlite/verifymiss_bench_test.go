package sqlite

import (
	"context"
	"testing"
)

// BenchmarkVerifyMissReads measures the three reads a verification makes
// when its token is not cached (the token by its secret's hash, its IP
// blocks, its rate limits), among 10 000 tokens, each read in turn.
//
//	go test -run '^$' -bench VerifyMissReads -benchmem ./sqlite/
func BenchmarkVerifyMissReads(b *testing.B) {
	db, ids := seedBenchTokens(b, 10_000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tok, _, err := db.TokenBySecret(ctx, []byte(ids[i%len(ids)]))
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
