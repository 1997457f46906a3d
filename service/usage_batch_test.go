package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// batchStore records the size of every usage batch it is sent.
type batchStore struct {
	tokenmint.Store
	mu    sync.Mutex
	sizes []int
}

func (s *batchStore) RecordUsageOnce(_ context.Context, _ string, batch []tokenmint.UsageRecord) error {
	s.mu.Lock()
	s.sizes = append(s.sizes, len(batch))
	s.mu.Unlock()
	return nil
}

func (s *batchStore) take() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sizes
	s.sizes = nil
	return out
}

// A burst of new pairs (a restart with many tokens in use) goes out at most
// MaxUsageBatch pairs per store transaction: FlushDue writes one batch and
// says a backlog is left, the next writes the rest; Flush (shutdown) writes
// everything, a batch at a time. No pair is written twice or skipped.
func TestUsageFlushWritesBoundedBatches(t *testing.T) {
	store := &batchStore{}
	b := service.NewUsageBuffer(store, slog.New(slog.NewTextHandler(io.Discard, nil)), 1<<20)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	extra := 7
	record := func(n int) {
		for i := range n {
			b.Record("ten", fmt.Sprintf("tok-%d", i), "192.0.2.1", now)
		}
	}
	record(service.MaxUsageBatch + extra)
	if w := b.WaitingNewPairs(); w != service.MaxUsageBatch+extra {
		t.Fatalf("%d new pairs waiting before any flush, want %d", w, service.MaxUsageBatch+extra)
	}
	ctx := context.Background()
	if err := b.FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := store.take(); len(got) != 1 || got[0] != service.MaxUsageBatch {
		t.Fatalf("first FlushDue wrote batches %v, want one of %d", got, service.MaxUsageBatch)
	}
	if !b.Backlog() || b.Pending() != extra || b.WaitingNewPairs() != extra {
		t.Fatalf("after one batch: backlog %v, pending %d, waiting %d; want true, %d, %d", b.Backlog(), b.Pending(), b.WaitingNewPairs(), extra, extra)
	}
	if err := b.FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := store.take(); len(got) != 1 || got[0] != extra {
		t.Fatalf("second FlushDue wrote batches %v, want one of %d", got, extra)
	}
	if b.Backlog() || b.Pending() != 0 || b.WaitingNewPairs() != 0 {
		t.Fatalf("after the backlog: backlog %v, pending %d, waiting %d; want false, 0, 0", b.Backlog(), b.Pending(), b.WaitingNewPairs())
	}

	// Uses of known pairs plus new ones, all written by one Flush.
	now = now.Add(time.Minute)
	record(2*service.MaxUsageBatch + extra)
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, total := store.take(), 0
	for _, n := range got {
		if n > service.MaxUsageBatch {
			t.Errorf("Flush wrote a batch of %d pairs, more than %d", n, service.MaxUsageBatch)
		}
		total += n
	}
	if total != 2*service.MaxUsageBatch+extra || b.Pending() != 0 || b.Backlog() {
		t.Errorf("Flush wrote %d pairs in batches %v (pending %d, backlog %v), want %d", total, got, b.Pending(), b.Backlog(), 2*service.MaxUsageBatch+extra)
	}
}
