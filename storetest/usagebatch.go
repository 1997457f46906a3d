package storetest

import (
	"sync"
	"testing"
	"time"

	"tokenmint"
)

// testUsageBatches checks that a usage batch sent again under its ID —
// the flush committed but its acknowledgement was lost — is counted once.
func testUsageBatches(t *testing.T, newStore storeFunc) {
	const ip = "192.0.2.10"
	t.Run("RetriedBatchCountsOnce", func(t *testing.T) {
		s := newStore(t)
		unlimited, _, _ := usageFixture(t, s)
		batch := []tokenmint.UsageRecord{rec(unlimited.ID, ip, time.Minute, 2*time.Minute, 3)}
		for range 3 {
			if err := s.RecordUsageOnce(t.Context(), "batch-1", batch); err != nil {
				t.Fatalf("RecordUsageOnce(batch-1): %v", err)
			}
		}
		assertUsage(t, s, tenantA, unlimited.ID, []tokenmint.IPUsage{
			{IP: ip, FirstUsed: at(time.Minute), LastUsed: at(2 * time.Minute), Count: 3},
		})
		assertUses(t, s, unlimited.ID, 3)

		// Another ID with the same content is other usage, and so is a
		// batch without an ID.
		if err := s.RecordUsageOnce(t.Context(), "batch-2", batch); err != nil {
			t.Fatalf("RecordUsageOnce(batch-2): %v", err)
		}
		if err := s.RecordUsageOnce(t.Context(), "", batch); err != nil {
			t.Fatalf("RecordUsageOnce without an ID: %v", err)
		}
		assertUses(t, s, unlimited.ID, 9)
		if err := s.RecordUsageOnce(t.Context(), "batch-3", nil); err != nil {
			t.Fatalf("RecordUsageOnce(empty): %v", err)
		}
	})
	t.Run("SameBatchAtOnceCountsOnce", func(t *testing.T) {
		s := newStore(t)
		unlimited, _, _ := usageFixture(t, s)
		batch := []tokenmint.UsageRecord{rec(unlimited.ID, ip, time.Minute, time.Minute, 1)}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := s.RecordUsageOnce(t.Context(), "batch-1", batch); err != nil {
					t.Errorf("RecordUsageOnce: %v", err)
				}
			})
		}
		wg.Wait()
		assertUses(t, s, unlimited.ID, 1)
	})
}

// assertUses checks a token's use count.
func assertUses(t *testing.T, s tokenmint.Store, tokenID string, want int64) {
	t.Helper()
	tok, err := s.TokenByID(t.Context(), tenantA, tokenID)
	if err != nil {
		t.Fatalf("TokenByID(%s): %v", tokenID, err)
	}
	if tok.Uses != want {
		t.Fatalf("%s has %d uses, want %d", tokenID, tok.Uses, want)
	}
}
