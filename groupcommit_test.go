package tokenmint

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent writes are written in fewer batches than writes, each caller
// gets its own item's outcome, and nothing is written twice or left out.
func TestGroupCommitBatchesAndAnswersEach(t *testing.T) {
	var batches, items atomic.Int64
	var mu sync.Mutex
	written := map[int]int{}
	g := &GroupCommit[int]{Delay: 200 * time.Microsecond, Max: 8,
		Write: func(_ context.Context, batch []int) []error {
			batches.Add(1)
			items.Add(int64(len(batch)))
			time.Sleep(time.Millisecond) // a commit takes a while
			errs := make([]error, len(batch))
			mu.Lock()
			defer mu.Unlock()
			for i, v := range batch {
				written[v]++
				if v%5 == 0 {
					errs[i] = errors.New("refused")
				}
			}
			return errs
		}}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = g.Do(context.Background(), i) }()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%5 == 0) != (err != nil) {
			t.Errorf("write %d: %v", i, err)
		}
		if written[i] != 1 {
			t.Errorf("write %d written %d times", i, written[i])
		}
	}
	if items.Load() != n || batches.Load() >= n {
		t.Errorf("%d items in %d batches: nothing was batched", items.Load(), batches.Load())
	}
	if b := batches.Load(); b < n/8 {
		t.Errorf("%d batches for %d writes: more than Max in one", b, n)
	}
}
