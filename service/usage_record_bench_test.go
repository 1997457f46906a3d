package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// discardUsage accepts every usage batch.
type discardUsage struct{ tokenmint.Store }

func (discardUsage) RecordUsageOnce(context.Context, string, []tokenmint.UsageRecord) error {
	return nil
}

// BenchmarkUsageRecordParallel records uses from every P at once, of
// pairs already in the buffer's map of the given size (the tokens in use),
// the pattern of a verify load; run with -cpu 2,8 -benchmem. (Staging uses
// in 16 lock-striped lists applied 256 at a time was tried: twice as slow
// with ten pairs, no faster with a million, so not kept.)
func BenchmarkUsageRecordParallel(b *testing.B) {
	for _, pairs := range []int{10, 1_000_000} {
		b.Run(fmt.Sprintf("pairs=%d", pairs), func(b *testing.B) {
			buf := service.NewUsageBuffer(discardUsage{}, slog.New(slog.NewTextHandler(io.Discard, nil)), 1<<22)
			ids := make([]string, pairs)
			for i := range ids {
				ids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i)
			}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for _, id := range ids {
				buf.Record("ten", id, "192.0.2.1", now)
			}
			var next atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := next.Add(1 << 20)
				for pb.Next() {
					i++
					buf.Record("ten", ids[i%uint64(pairs)], "192.0.2.1", now)
				}
			})
		})
	}
}
