package storetest

import (
	"testing"
	"time"

	"tokenmint"
)

// testUsagePairTwice: a batch that spans midnight names a (token, IP) pair
// once per day; the store adds both to the one per-IP row and to the
// token, beside a record of failed verifications and one for a token of
// another tenant, which change no usage.
func testUsagePairTwice(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	unlimited, _, inB := usageFixture(t, s)
	const ip = "192.0.2.44"
	batch := []tokenmint.UsageRecord{
		rec(unlimited.ID, ip, 2*time.Minute, 9*time.Minute, 4),
		rec(unlimited.ID, ip, time.Minute, 3*time.Minute, 2),
		{TenantID: tenantA, First: at(0), Last: at(0), Count: 5}, // failed verifications
		rec(inB.ID, ip, time.Minute, time.Minute, 1),             // not in tenant A
	}
	if err := s.RecordUsageOnce(t.Context(), "batch-pair-twice", batch); err != nil {
		t.Fatal(err)
	}
	assertUsage(t, s, tenantA, unlimited.ID, []tokenmint.IPUsage{
		{IP: ip, FirstUsed: at(time.Minute), LastUsed: at(9 * time.Minute), Count: 6},
	})
	got := mustTokenByID(t, s, tenantA, unlimited.ID)
	if got.Uses != 6 || got.LastUsedAt == nil || !got.LastUsedAt.Equal(at(9*time.Minute)) {
		t.Errorf("token: %d uses, last used %v; want 6 and %v", got.Uses, got.LastUsedAt, at(9*time.Minute))
	}
	if other := mustTokenByID(t, s, tenantB, inB.ID); other.Uses != 0 || other.LastUsedAt != nil {
		t.Errorf("a record naming another tenant's token changed it: %d uses, last %v", other.Uses, other.LastUsedAt)
	}
}
