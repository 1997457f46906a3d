package service

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint/secret"
)

// The gate never runs more checks at once than its slots; a check that
// finds no free slot within the wait is refused with 429, not queued
// without bound.
func TestHashGateBoundsConcurrentChecks(t *testing.T) {
	g := newHashGate(2, 10*time.Millisecond)
	var running, peak atomic.Int32
	hold := make(chan struct{})
	entered := make(chan struct{}, 2)
	const n = 10
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- g.run(context.Background(), func() {
				r := running.Add(1)
				for {
					p := peak.Load()
					if r <= p || peak.CompareAndSwap(p, r) {
						break
					}
				}
				entered <- struct{}{}
				<-hold
				running.Add(-1)
			})
		}()
	}
	<-entered
	<-entered
	// Both slots are held: every other check times out.
	refused := 0
	for range n - 2 {
		var rl *RateLimitError
		if err := <-errs; !errors.As(err, &rl) {
			t.Fatalf("a check with no free slot: %v, want *RateLimitError", err)
		}
		refused++
	}
	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a check in a slot: %v", err)
		}
	}
	if peak.Load() != 2 || refused != n-2 {
		t.Errorf("peak %d checks at once, %d refused; want 2 and %d", peak.Load(), refused, n-2)
	}
}

func TestPasswordCheckSlots(t *testing.T) {
	mem := secret.DefaultPasswordParams.Memory
	if got := passwordCheckSlots(46<<20, mem); got != 1 {
		t.Errorf("budget of one check: %d slots", got)
	}
	if got := passwordCheckSlots(1, mem); got != 1 {
		t.Errorf("budget below one check: %d slots, want 1", got)
	}
	if got := passwordCheckSlots(1<<40, mem); got < 1 || got > 1024 {
		t.Errorf("huge budget: %d slots, want GOMAXPROCS", got)
	}
}
