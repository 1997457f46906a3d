package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tokenmint"
)

// BenchmarkAppendAuditBatch measures appending audit entries in batches of
// the sizes the group commit forms under load; ns/op is per entry, so the
// per-batch cost (the commit) shows as the difference between sizes.
//
//	go test -run '^$' -bench AppendAuditBatch -benchmem ./sqlite/
func BenchmarkAppendAuditBatch(b *testing.B) {
	for _, size := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db := MustOpenDB(b)
			ctx := context.Background()
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			batch := make([]*tokenmint.AuditEntry, size)
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; done += size {
				for i := range batch {
					batch[i] = &tokenmint.AuditEntry{TenantID: "01JTENANT0000000000000000", Time: now.Add(time.Duration(done+i) * time.Microsecond),
						ActorKind: tokenmint.ActorApplication, ActorID: "01JAPPLICATION00000000000", Action: "oauth.token.client_credentials",
						ObjectKind: "access_token", ObjectID: fmt.Sprintf("jti-%026d", done+i), ClientIP: "127.0.0.1",
						Outcome: "success", Detail: "client tmcid_0123456789abcdef"}
				}
				if err := db.AppendAuditBatch(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
