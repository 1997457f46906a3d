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

// slowStore takes a fixed time per usage flush, like a database writing a
// batch of many tokens.
type slowStore struct {
	tokenmint.Store
	took    time.Duration
	flushes atomic.Int64
}

func (s *slowStore) RecordUsageOnce(context.Context, string, []tokenmint.UsageRecord) error {
	s.flushes.Add(1)
	time.Sleep(s.took)
	return nil
}

// However often the interval or a full buffer asks, the write-back takes at
// most UsageWriteBudget of the time: after a flush that took d, the next
// waits d/budget - d. Here flushes take 20 ms, the interval is 1 ms and the
// buffer is always full, so without the budget there would be about 50
// flushes a second; with it, one per 200 ms.
func TestUsageWriteBackKeepsItsBudget(t *testing.T) {
	store := &slowStore{took: 20 * time.Millisecond}
	b := service.NewUsageBuffer(store, slog.New(slog.NewTextHandler(io.Discard, nil)), 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx, time.Millisecond); close(done) }()
	stop := time.After(time.Second)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
feeding:
	for {
		select {
		case <-stop:
			break feeding
		default:
			b.Record("ten", fmt.Sprintf("tok-%d", i%1000), "192.0.2.1", now) // always full
			i++
			time.Sleep(100 * time.Microsecond)
		}
	}
	cancel()
	<-done
	// 1 s / (20 ms / 0.1) = 5 flushes, one more for the first.
	if n := store.flushes.Load(); n > 6 {
		t.Errorf("%d flushes of 20 ms in one second: the write-back took more than %.0f%% of the time", n, service.UsageWriteBudget*100)
	} else if n == 0 {
		t.Error("no flush at all")
	}
	t.Logf("%d flushes", store.flushes.Load())
}
