package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"tokenmint"
)

// usageFixture creates an unlimited token (tok-0001), a token limited to
// five uses (tok-0002) and a token in tenant B (tok-0003).
func usageFixture(t *testing.T, s tokenmint.Store) (unlimited, limited, inB *tokenmint.Token) {
	t.Helper()
	mustTenants(t, s)
	unlimited = mustToken(t, s, newToken(tenantA, "tok-0001"))
	limited = newToken(tenantA, "tok-0002")
	limited.MaxUses = 5
	mustToken(t, s, limited)
	inB = mustToken(t, s, newToken(tenantB, "tok-0003"))
	return unlimited, limited, inB
}

// rec builds a usage record of tenant A with times as offsets from t0.
func rec(tokenID, ip string, first, last time.Duration, count int64) tokenmint.UsageRecord {
	return tokenmint.UsageRecord{TenantID: tenantA, TokenID: tokenID, IP: ip, First: at(first), Last: at(last), Count: count}
}

// assertUsage compares a token's usage with want, in IP order (the
// interface leaves the order open).
func assertUsage(t *testing.T, s tokenmint.Store, tenantID, tokenID string, want []tokenmint.IPUsage) {
	t.Helper()
	got, err := s.TokenUsage(t.Context(), tenantID, tokenID, tokenmint.Page{})
	if err != nil {
		t.Fatalf("TokenUsage(%s): %v", tokenID, err)
	}
	slices.SortFunc(got, func(a, b tokenmint.IPUsage) int { return strings.Compare(a.IP, b.IP) })
	if len(got) != len(want) {
		t.Fatalf("TokenUsage(%s) = %+v, want %+v", tokenID, got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.IP != w.IP || g.Count != w.Count || g.Blocked != w.Blocked {
			t.Errorf("TokenUsage(%s)[%d] = {IP %s, Count %d, Blocked %v}, want {IP %s, Count %d, Blocked %v}",
				tokenID, i, g.IP, g.Count, g.Blocked, w.IP, w.Count, w.Blocked)
		}
		assertTime(t, tokenID+" "+w.IP+" FirstUsed", g.FirstUsed, w.FirstUsed)
		assertTime(t, tokenID+" "+w.IP+" LastUsed", g.LastUsed, w.LastUsed)
	}
}

func testUsage(t *testing.T, newStore storeFunc) {
	t.Run("AccumulatesAcrossBatches", func(t *testing.T) {
		s := newStore(t)
		unlimited, limited, _ := usageFixture(t, s)
		const ip1, ip2, ip3 = "192.0.2.10", "2001:db8::1", "198.51.100.7"
		batches := [][]tokenmint.UsageRecord{
			{
				rec(unlimited.ID, ip1, time.Minute, 2*time.Minute, 3),
				rec(unlimited.ID, ip2, 5*time.Minute, 5*time.Minute, 1),
				rec(limited.ID, ip1, time.Minute, 3*time.Minute, 2),
			},
			{
				rec(unlimited.ID, ip1, 10*time.Minute, 20*time.Minute, 4),
				// Another instance flushes late: its first use is earlier
				// than the stored one, its last use is not the latest.
				rec(unlimited.ID, ip2, time.Minute, 3*time.Minute, 2),
			},
			{
				// An old record for a new IP does not move last_used_at
				// back.
				rec(unlimited.ID, ip3, 30*time.Second, 30*time.Second, 1),
			},
		}
		for i, b := range batches {
			if err := s.RecordUsage(t.Context(), b); err != nil {
				t.Fatalf("RecordUsage batch %d: %v", i+1, err)
			}
		}

		assertUsage(t, s, tenantA, unlimited.ID, []tokenmint.IPUsage{
			{IP: ip1, FirstUsed: at(time.Minute), LastUsed: at(20 * time.Minute), Count: 7},
			{IP: ip3, FirstUsed: at(30 * time.Second), LastUsed: at(30 * time.Second), Count: 1},
			{IP: ip2, FirstUsed: at(time.Minute), LastUsed: at(5 * time.Minute), Count: 3},
		})
		assertUsage(t, s, tenantA, limited.ID, []tokenmint.IPUsage{
			{IP: ip1, FirstUsed: at(time.Minute), LastUsed: at(3 * time.Minute), Count: 2},
		})

		// Unlimited tokens count uses here; limited ones count them in
		// SpendUse only, so their Uses do not move.
		got := mustTokenByID(t, s, tenantA, unlimited.ID)
		if got.Uses != 11 {
			t.Errorf("unlimited token Uses = %d, want 11 (the sum of the counts)", got.Uses)
		}
		assertTimePtr(t, "unlimited LastUsedAt", got.LastUsedAt, ptr(at(20*time.Minute)))
		got = mustTokenByID(t, s, tenantA, limited.ID)
		if got.Uses != 0 {
			t.Errorf("limited token Uses = %d, want 0 (counted by SpendUse)", got.Uses)
		}
		assertTimePtr(t, "limited LastUsedAt", got.LastUsedAt, ptr(at(3*time.Minute)))
	})

	t.Run("LimitedUsesComeFromSpendUse", func(t *testing.T) {
		s := newStore(t)
		_, limited, _ := usageFixture(t, s)
		if ok, err := s.SpendUse(t.Context(), limited.ID, at(time.Minute)); err != nil || !ok {
			t.Fatalf("SpendUse = %v, %v", ok, err)
		}
		if err := s.RecordUsage(t.Context(), []tokenmint.UsageRecord{rec(limited.ID, "192.0.2.1", time.Minute, time.Minute, 1)}); err != nil {
			t.Fatalf("RecordUsage: %v", err)
		}
		if got := mustTokenByID(t, s, tenantA, limited.ID); got.Uses != 1 {
			t.Errorf("Uses = %d after one SpendUse and its usage record, want 1 (no double count)", got.Uses)
		}
	})

	t.Run("NeverUsed", func(t *testing.T) {
		s := newStore(t)
		unlimited, _, _ := usageFixture(t, s)
		assertUsage(t, s, tenantA, unlimited.ID, nil)
		if got := mustTokenByID(t, s, tenantA, unlimited.ID); got.LastUsedAt != nil || got.Uses != 0 {
			t.Errorf("fresh token: LastUsedAt = %v, Uses = %d; want nil, 0", got.LastUsedAt, got.Uses)
		}
	})

	t.Run("TokenUsageNotFound", func(t *testing.T) {
		s := newStore(t)
		unlimited, _, _ := usageFixture(t, s)
		tests := []struct {
			name              string
			tenantID, tokenID string
		}{
			{"other tenant", tenantB, unlimited.ID},
			{"unknown token", tenantA, "tok-missing"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.TokenUsage(t.Context(), tt.tenantID, tt.tokenID, tokenmint.Page{})
				assertCode(t, err, tokenmint.ENOTFOUND)
			})
		}
	})

	// Usage is flushed in batches after the fact. A record for a token that
	// was deleted in the meantime, or that names the wrong tenant, is
	// skipped; it neither fails the batch nor touches another tenant's
	// token.
	t.Run("SkipsUnknownAndForeignRecords", func(t *testing.T) {
		s := newStore(t)
		unlimited, _, inB := usageFixture(t, s)
		err := s.RecordUsage(t.Context(), []tokenmint.UsageRecord{
			rec("tok-deleted", "192.0.2.1", time.Minute, time.Minute, 1),
			rec(inB.ID, "192.0.2.1", time.Minute, time.Minute, 5), // tenant A record for tenant B's token
			rec(unlimited.ID, "192.0.2.1", time.Minute, 2*time.Minute, 2),
		})
		if err != nil {
			t.Fatalf("RecordUsage: %v", err)
		}
		assertUsage(t, s, tenantA, unlimited.ID, []tokenmint.IPUsage{
			{IP: "192.0.2.1", FirstUsed: at(time.Minute), LastUsed: at(2 * time.Minute), Count: 2},
		})
		assertUsage(t, s, tenantB, inB.ID, nil)
		if got := mustTokenByID(t, s, tenantB, inB.ID); got.Uses != 0 || got.LastUsedAt != nil {
			t.Errorf("tenant B token touched by tenant A record: Uses = %d, LastUsedAt = %v", got.Uses, got.LastUsedAt)
		}
	})

	t.Run("EmptyBatch", func(t *testing.T) {
		s := newStore(t)
		unlimited, _, _ := usageFixture(t, s)
		if err := s.RecordUsage(t.Context(), nil); err != nil {
			t.Fatalf("RecordUsage(nil): %v", err)
		}
		assertUsage(t, s, tenantA, unlimited.ID, nil)
	})
}
