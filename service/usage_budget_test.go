package service_test

import (
	"context"
	"crypto/sha256"
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
// batch of many tokens: waiting (a remote database) or computing (SQLite,
// in this process).
type slowStore struct {
	tokenmint.Store
	took    time.Duration
	compute bool
	flushes atomic.Int64
}

func (s *slowStore) RecordUsageOnce(context.Context, string, []tokenmint.UsageRecord) error {
	s.flushes.Add(1)
	if !s.compute {
		time.Sleep(s.took)
		return nil
	}
	// Work until this thread has used s.took of CPU (of wall-clock time
	// where no per-thread clock exists), whatever the scheduler does.
	start := time.Now()
	c0, measured := service.ThreadCPUTime()
	sum := sha256.Sum256(nil)
	for {
		for range 100 {
			sum = sha256.Sum256(sum[:])
		}
		c, _ := service.ThreadCPUTime()
		if (measured && c-c0 >= s.took) || (!measured && time.Since(start) >= s.took) {
			return nil
		}
	}
}

// runFull runs b's write-back for a second with the buffer always full and
// an interval of 1 ms, so that only the budgets space the flushes.
func runFull(t *testing.T, store *slowStore) int64 {
	t.Helper()
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
	n := store.flushes.Load()
	if n == 0 {
		t.Fatal("no flush at all")
	}
	t.Logf("%d flushes", n)
	return n
}

// However often the interval or a full buffer asks, the write-back takes at
// most UsageWriteBudget of a core: after a flush that cost 20 ms of CPU the
// next comes 200 ms after it began. Without the budget there would be about
// 50 flushes a second; with it, five.
func TestUsageWriteBackKeepsItsCPUBudget(t *testing.T) {
	store := &slowStore{took: 20 * time.Millisecond, compute: true}
	// 1 s / (20 ms / 0.1) = 5 flushes, one more for the first.
	if n := runFull(t, store); n > 6 {
		t.Errorf("%d flushes of 20 ms of CPU in one second: the write-back took more than %.0f%% of a core", n, service.UsageWriteBudget*100)
	}
}

// A flush that waits on the store costs little CPU, but still holds the
// store at most UsageStoreShare of the time: 20 ms of waiting, then 20 ms
// for the other writers.
func TestUsageWriteBackHoldsTheStoreAtMostItsShare(t *testing.T) {
	store := &slowStore{took: 20 * time.Millisecond}
	// 1 s / (20 ms / 0.5) = 25 flushes, one more for the first.
	n := runFull(t, store)
	if n > 26 {
		t.Errorf("%d flushes of 20 ms in one second: the write-back held the store more than %.0f%% of the time", n, service.UsageStoreShare*100)
	}
	// Where the thread's CPU time is measured, waiting is not charged to
	// the CPU budget: a budget on wall-clock time would allow only five
	// (the run counted 24; ten leaves room for a loaded machine's timers).
	if _, measured := service.ThreadCPUTime(); measured && n < 10 {
		t.Errorf("%d flushes of 20 ms of waiting in one second: the CPU budget was charged the wait", n)
	}
}
