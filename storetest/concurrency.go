package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
)

// goroutines is how many callers race in each concurrency test.
const goroutines = 50

// RunConcurrency runs the races that matter for security and accounting:
// limited-use tokens spent at once, usage batches flushed at once, two
// rotations of one token at once and updates of a token from one read. newStore has the same contract as in Run.
func RunConcurrency(t *testing.T, newStore func(t *testing.T) tokenmint.Store) {
	t.Run("SpendUse", func(t *testing.T) { testConcurrentSpendUse(t, newStore) })
	t.Run("RecordUsage", func(t *testing.T) { testConcurrentRecordUsage(t, newStore) })
	t.Run("RotateTokenSecret", func(t *testing.T) { testConcurrentRotate(t, newStore) })
	t.Run("Lifecycle", func(t *testing.T) { testConcurrentLifecycle(t, newStore) })
	t.Run("RotateRefreshToken", func(t *testing.T) { testConcurrentRefreshRotation(t, newStore) })
	t.Run("UpdateToken", func(t *testing.T) { testConcurrentTokenUpdate(t, newStore) })
	t.Run("TokenRequests", func(t *testing.T) { testConcurrentTokenRequests(t, newStore) })
}

// race starts n goroutines that call fn(i) as close to simultaneously as a
// closed channel allows, and waits for all of them.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// A token limited to N uses, spent by 50 callers at once, grants exactly N:
// a single-use token works exactly once however many requests present it.
func testConcurrentSpendUse(t *testing.T, newStore storeFunc) {
	for _, maxUses := range []int{1, 5} {
		t.Run(fmt.Sprintf("MaxUses%d", maxUses), func(t *testing.T) {
			s := newStore(t)
			mustTenants(t, s)
			tok := newToken(tenantA, "tok-0001")
			tok.MaxUses = maxUses
			mustToken(t, s, tok)

			var granted atomic.Int64
			race(goroutines, func(i int) {
				ok, err := s.SpendUse(t.Context(), tok.ID, at(time.Duration(i)*time.Millisecond))
				if err != nil {
					t.Errorf("SpendUse: %v", err)
					return
				}
				if ok {
					granted.Add(1)
				}
			})
			if got := granted.Load(); got != int64(maxUses) {
				t.Errorf("%d concurrent SpendUse calls granted %d uses, want exactly %d", goroutines, got, maxUses)
			}
			if got := mustTokenByID(t, s, tenantA, tok.ID); got.Uses != int64(maxUses) {
				t.Errorf("Uses = %d, want %d", got.Uses, maxUses)
			}
		})
	}
}

// Usage batches flushed at once for the same token and IP lose no counts,
// and the first and last use are the extremes of all of them.
func testConcurrentRecordUsage(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	mustTenants(t, s)
	tok := mustToken(t, s, newToken(tenantA, "tok-0001"))
	const ip = "192.0.2.1"

	race(goroutines, func(i int) {
		// Batch i covers seconds i..i+1 with i+1 uses, and a second IP.
		b := []tokenmint.UsageRecord{
			rec(tok.ID, ip, time.Duration(i)*time.Second, time.Duration(i+1)*time.Second, int64(i+1)),
			rec(tok.ID, fmt.Sprintf("198.51.100.%d", i%2), time.Duration(i)*time.Second, time.Duration(i)*time.Second, 1),
		}
		if err := s.RecordUsage(t.Context(), b); err != nil {
			t.Errorf("RecordUsage: %v", err)
		}
	})

	// 1 + 2 + ... + 50 on the first IP, 50 more spread over two others.
	const sum = goroutines * (goroutines + 1) / 2
	assertUsage(t, s, tenantA, tok.ID, []tokenmint.IPUsage{
		{IP: ip, FirstUsed: at(0), LastUsed: at(goroutines * time.Second), Count: sum},
		{IP: "198.51.100.0", FirstUsed: at(0), LastUsed: at((goroutines - 2) * time.Second), Count: goroutines / 2},
		{IP: "198.51.100.1", FirstUsed: at(time.Second), LastUsed: at((goroutines - 1) * time.Second), Count: goroutines / 2},
	})
	got := mustTokenByID(t, s, tenantA, tok.ID)
	if got.Uses != sum+goroutines {
		t.Errorf("Uses = %d, want %d", got.Uses, sum+goroutines)
	}
	assertTimePtr(t, "LastUsedAt", got.LastUsedAt, ptr(at(goroutines*time.Second)))
}

// Two rotations of one token at once must apply one after the other: the
// result is exactly what one of the two serial orders gives. In either
// order exactly one new secret is current (nil validity), the other one is
// limited by the winner's oldValidUntil, and the token's prefix and expiry
// are the winner's. A rotation that reads the secrets before the other one
// commits leaves two current secrets, or a prefix that matches neither.
func testConcurrentRotate(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	mustTenants(t, s)
	const rounds = 10
	for round := range rounds {
		tok := mustToken(t, s, newToken(tenantA, tokID(round+1)))
		rots := [2]rotation{
			{fmt.Sprintf("r%d-a", round), "tmu_a", at(time.Hour), ptr(at(100 * day)), at(time.Minute)},
			{fmt.Sprintf("r%d-b", round), "tmu_b", at(2 * time.Hour), ptr(at(200 * day)), at(time.Minute)},
		}
		race(2, func(i int) {
			r := rots[i]
			if err := s.RotateTokenSecret(t.Context(), tok.ID, hashOf(r.secret), r.prefix, r.oldValidUntil, r.expiresAt, r.now); err != nil {
				t.Errorf("RotateTokenSecret: %v", err)
			}
		})
		if t.Failed() {
			return
		}

		var validity [2]*time.Time
		for i, r := range rots {
			found, v, err := s.TokenBySecret(t.Context(), hashOf(r.secret))
			if err != nil {
				t.Fatalf("round %d: TokenBySecret(%s): %v", round, r.secret, err)
			}
			if found.ID != tok.ID {
				t.Fatalf("round %d: secret %s found token %s, want %s", round, r.secret, found.ID, tok.ID)
			}
			validity[i] = v
		}
		var winner, loser int
		switch {
		case validity[0] == nil && validity[1] != nil:
			winner, loser = 0, 1
		case validity[1] == nil && validity[0] != nil:
			winner, loser = 1, 0
		default:
			t.Fatalf("round %d: validities %v and %v, want exactly one current secret", round, validity[0], validity[1])
		}
		assertTimePtr(t, fmt.Sprintf("round %d: validity of the earlier rotation's secret", round),
			validity[loser], ptr(rots[winner].oldValidUntil))

		got := mustTokenByID(t, s, tenantA, tok.ID)
		if got.Prefix != rots[winner].prefix {
			t.Errorf("round %d: prefix = %s, want %s (the later rotation's)", round, got.Prefix, rots[winner].prefix)
		}
		assertTimePtr(t, fmt.Sprintf("round %d: ExpiresAt", round), got.ExpiresAt, rots[winner].expiresAt)
		// Both rotations limited the original secret; the earlier limit stays.
		assertSecret(t, s, secretOf(tok.ID), tok.ID, ptr(at(time.Hour)))
	}
}
