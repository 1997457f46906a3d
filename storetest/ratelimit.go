package storetest

import (
	"sync"
	"testing"
	"time"

	"tokenmint"
)

func testAttempts(t *testing.T, newStore storeFunc) {
	count := func(t *testing.T, s tokenmint.Store, key string, now time.Time) (int, time.Time) {
		t.Helper()
		n, start, err := s.CountAttempt(t.Context(), key, time.Minute, now)
		if err != nil {
			t.Fatalf("CountAttempt(%q): %v", key, err)
		}
		return n, start
	}

	t.Run("FixedWindow", func(t *testing.T) {
		s := newStore(t)
		for i := 1; i <= 3; i++ {
			n, start := count(t, s, "login u alice", at(time.Duration(i)*time.Second))
			if n != i {
				t.Errorf("attempt %d: count %d", i, n)
			}
			assertTime(t, "window start", start, at(time.Second))
		}
		if n, _ := count(t, s, "login u bob", at(5*time.Second)); n != 1 {
			t.Errorf("another key starts at %d, want 1", n)
		}
		// The window ends a minute after it started: the next attempt
		// opens a new one.
		n, start := count(t, s, "login u alice", at(61*time.Second))
		if n != 1 {
			t.Errorf("first attempt of a new window: count %d, want 1", n)
		}
		assertTime(t, "new window start", start, at(61*time.Second))
	})

	t.Run("Uncount", func(t *testing.T) {
		s := newStore(t)
		count(t, s, "k", at(0))
		_, start := count(t, s, "k", at(time.Second))
		if err := s.UncountAttempt(t.Context(), "k", start); err != nil {
			t.Fatalf("UncountAttempt: %v", err)
		}
		if n, _ := count(t, s, "k", at(2*time.Second)); n != 2 {
			t.Errorf("after an uncount: count %d, want 2", n)
		}
		// A window that is no longer the key's is left alone, and an
		// unknown key is no error.
		count(t, s, "k", at(2*time.Minute))
		if err := s.UncountAttempt(t.Context(), "k", start); err != nil {
			t.Fatalf("UncountAttempt of an old window: %v", err)
		}
		if n, _ := count(t, s, "k", at(2*time.Minute+time.Second)); n != 2 {
			t.Errorf("an old window's uncount changed the new one: count %d, want 2", n)
		}
		if err := s.UncountAttempt(t.Context(), "none", start); err != nil {
			t.Errorf("UncountAttempt of an unknown key: %v", err)
		}
		// Never below zero.
		_, s2 := count(t, s, "z", at(0))
		for range 3 {
			if err := s.UncountAttempt(t.Context(), "z", s2); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := count(t, s, "z", at(time.Second)); n != 1 {
			t.Errorf("after uncounting more than counted: count %d, want 1", n)
		}
	})

	t.Run("ClearAndPrune", func(t *testing.T) {
		s := newStore(t)
		count(t, s, "login u t1 alice", at(0))
		count(t, s, "login u t1 alice", at(0))
		count(t, s, "login ui t1 alice 192.0.2.1", at(0))
		count(t, s, "login u t1 alicex", at(0))
		count(t, s, "login ip 192.0.2.1", at(30*time.Second))
		if err := s.ClearAttempts(t.Context(), "login u t1 alice"); err != nil {
			t.Fatalf("ClearAttempts: %v", err)
		}
		if n, _ := count(t, s, "login u t1 alice", at(time.Second)); n != 1 {
			t.Errorf("a cleared key counts on from %d, want 1", n)
		}
		// The prefix "login u t1 alice" matches "login u t1 alicex" too:
		// callers end their prefixes with a separator where it matters.
		if n, _ := count(t, s, "login ui t1 alice 192.0.2.1", at(time.Second)); n != 2 {
			t.Errorf("a key not under the prefix was cleared: count %d, want 2", n)
		}
		pruned, err := s.PruneAttempts(t.Context(), at(10*time.Second))
		if err != nil {
			t.Fatalf("PruneAttempts: %v", err)
		}
		if pruned != 2 { // "login u t1 alice" (restarted at 1s) and "login ui ..." (0s)
			t.Errorf("pruned %d windows, want 2", pruned)
		}
		if n, _ := count(t, s, "login ip 192.0.2.1", at(40*time.Second)); n != 2 {
			t.Errorf("a window younger than the cut was pruned: count %d, want 2", n)
		}
	})

	t.Run("ConcurrentCountsAreNotLost", func(t *testing.T) {
		s := newStore(t)
		const n = 40
		seen := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, _, err := s.CountAttempt(t.Context(), "hot", time.Minute, at(time.Second))
				if err != nil {
					t.Errorf("CountAttempt: %v", err)
				}
				seen[i] = c
			}()
		}
		wg.Wait()
		got := map[int]bool{}
		for _, c := range seen {
			got[c] = true
		}
		for c := 1; c <= n; c++ {
			if !got[c] {
				t.Errorf("no caller saw count %d: counts were lost or repeated (%v)", c, seen)
				break
			}
		}
	})
}
