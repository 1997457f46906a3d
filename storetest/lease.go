package storetest

import (
	"sync"
	"testing"
	"time"
)

func testLeases(t *testing.T, newStore storeFunc) {
	t.Run("HeldUntilItRunsOut", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		acquire := func(holder string, now, until time.Duration) bool {
			t.Helper()
			ok, err := s.AcquireLease(ctx, "jobs", holder, at(now), at(until))
			if err != nil {
				t.Fatalf("AcquireLease(%s): %v", holder, err)
			}
			return ok
		}
		if !acquire("a", 0, time.Minute) {
			t.Fatal("a free lease was refused")
		}
		if acquire("b", 30*time.Second, 90*time.Second) {
			t.Fatal("b took a lease a holds")
		}
		if !acquire("a", 50*time.Second, 2*time.Minute) {
			t.Fatal("the holder could not renew")
		}
		if acquire("b", 119*time.Second, 3*time.Minute) {
			t.Fatal("b took the renewed lease before it ran out")
		}
		if !acquire("b", 2*time.Minute, 3*time.Minute) {
			t.Fatal("b could not take a lease that ran out (until <= now)")
		}
		if acquire("a", 2*time.Minute, 4*time.Minute) {
			t.Fatal("a took the lease back from b")
		}
		// A holder ends its lease by renewing it until now.
		if !acquire("b", 150*time.Second, 150*time.Second) || !acquire("a", 150*time.Second, 5*time.Minute) {
			t.Fatal("a lease renewed until now was not free at once")
		}
		ok, err := s.AcquireLease(ctx, "other-job", "b", at(150*time.Second), at(5*time.Minute))
		if err != nil || !ok {
			t.Fatalf("leases of different names are independent: %v %v", ok, err)
		}
	})
	t.Run("OneWinnerAmongRacers", func(t *testing.T) {
		s := newStore(t)
		const racers = 16
		var wg sync.WaitGroup
		wins := make(chan string, racers)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				holder := tokID(i)
				ok, err := s.AcquireLease(t.Context(), "race", holder, t0, at(time.Minute))
				if err != nil {
					t.Errorf("AcquireLease(%s): %v", holder, err)
				}
				if ok {
					wins <- holder
				}
			}()
		}
		wg.Wait()
		close(wins)
		var got []string
		for w := range wins {
			got = append(got, w)
		}
		if len(got) != 1 {
			t.Fatalf("%d racers won a free lease (%v), want exactly 1", len(got), got)
		}
	})
}
