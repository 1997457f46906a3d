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

// tallyStore adds up the uses it is sent, per token and IP.
type tallyStore struct {
	tokenmint.Store
	mu   sync.Mutex
	uses map[string]int64
}

func (s *tallyStore) RecordUsageOnce(_ context.Context, _ string, batch []tokenmint.UsageRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range batch {
		s.uses[r.TokenID+" "+r.IP] += r.Count
	}
	return nil
}

// A flush lets go of the buffer's lock between chunks of new pairs while
// verifications keep recording: uses recorded meanwhile, of pairs already
// taken, of pairs still waiting and of new ones, are all written exactly
// once. Odd token IDs and addresses (kept aside by digest) come back as
// they were recorded.
func TestUsageFlushLosesNothingRecordedDuringIt(t *testing.T) {
	store := &tallyStore{uses: map[string]int64{}}
	b := service.NewUsageBuffer(store, slog.New(slog.NewTextHandler(io.Discard, nil)), 1<<20)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pair := func(i int) (string, string) {
		if i%7 == 0 {
			return fmt.Sprintf("odd-token-%d", i), "fe80::1%eth0" // neither packs into the key
		}
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("192.0.2.%d", i%200)
	}
	const pairs, rounds, writers = 3 * service.MaxUsageBatch, 4, 4
	want := map[string]int64{}
	for i := range pairs {
		tok, ip := pair(i)
		want[tok+" "+ip] = rounds * writers
	}

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				for i := range pairs {
					j := (i + w*pairs/writers + r) % pairs // each writer starts elsewhere
					tok, ip := pair(j)
					b.Record("ten", tok, ip, now)
				}
			}
		}()
	}
	recorded := make(chan struct{})
	flushed := make(chan struct{})
	go func() { // flushes all along, as Run does under a backlog
		defer close(flushed)
		for {
			if err := b.FlushDue(context.Background()); err != nil {
				t.Errorf("FlushDue: %v", err)
				return
			}
			select {
			case <-recorded:
				return
			default:
			}
		}
	}()
	wg.Wait()
	close(recorded)
	<-flushed
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.uses) != len(want) {
		t.Errorf("%d pairs written, want %d", len(store.uses), len(want))
	}
	for k, n := range want {
		if got := store.uses[k]; got != n {
			t.Errorf("pair %q: %d uses written, want %d", k, got, n)
			break
		}
	}
}
