package service

import (
	"context"
	"log/slog"
	"time"

	"tokenmint"
)

// DefaultRateSyncInterval is how often an instance adds its rate limit
// counts to the shared ones (PostgreSQL) and reads back the totals.
const DefaultRateSyncInterval = 200 * time.Millisecond

// rateCountsKept is how long shared count rows outlive their window: the
// longest window (a day) must still be read as the previous one.
const rateCountsKept = 2 * tokenmint.MaxRateLimitPerSeconds * time.Second

// syncItem is one counter's share of a sync.
type syncItem struct {
	shard int
	key   rateKey
	c     *rateCounter
	win   int64
	delta int64
	base  int64 // the shared count as this instance knew it when sending
}

// RunRateSync adds, every interval, what this instance counted for the
// keys that saw traffic to the shared counts, in one batched statement,
// and takes the totals as the base of its next decisions; it also prunes
// old windows now and then. It returns when ctx ends. Only instances
// sharing a database (PostgreSQL) run it; it does nothing for a service
// whose counts are not shared.
func (s *Service) RunRateSync(ctx context.Context, counts tokenmint.RateCountStore, interval time.Duration) {
	if !s.rates.shared || counts == nil {
		return
	}
	if interval <= 0 {
		interval = DefaultRateSyncInterval
	}
	s.rates.interval.Store(int64(interval))
	t := time.NewTicker(interval)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.rates.sync(ctx, counts, s.clock.Now(), s.log)
		if now := s.clock.Now(); now.Sub(pruned) > time.Minute {
			pruned = now
			if err := counts.PruneRateCounts(ctx, now.Add(-rateCountsKept)); err != nil {
				s.log.Warn("pruning shared rate counts failed", "err", err)
			}
		}
	}
}

// SyncRateCounts runs one sync at once (tests, and a last one at close).
func (s *Service) SyncRateCounts(ctx context.Context, counts tokenmint.RateCountStore) {
	if s.rates.shared && counts != nil {
		s.rates.sync(ctx, counts, s.clock.Now(), s.log)
	}
}

// sync sends the pending counts and applies the totals. A failed sync
// puts the counts back to be sent with the next one, and the instance
// keeps deciding on what it knows, with its budget as the bound.
func (l *rateLimiter) sync(ctx context.Context, counts tokenmint.RateCountStore, now time.Time, log *slog.Logger) {
	ns := now.UnixNano()
	var items []syncItem
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		for k, c := range sh.m {
			if c.oldPending > 0 {
				items = append(items, syncItem{shard: i, key: k, c: c, win: c.oldWin, delta: c.oldPending})
				c.oldPending = 0
			}
			if c.pending > 0 {
				items = append(items, syncItem{shard: i, key: k, c: c, win: c.win, delta: c.pending, base: c.cur - c.pending})
				c.pending = 0
			}
		}
		if len(sh.m) > maxRateKeysPerShard/2 {
			evictIdleLocked(sh, ns)
		}
		sh.mu.Unlock()
	}
	if len(items) == 0 {
		return
	}
	batch := make([]tokenmint.RateCount, len(items))
	for i, it := range items {
		batch[i] = tokenmint.RateCount{Key: it.c.name, Window: time.Unix(0, it.win*it.c.perNs).UTC(), Delta: it.delta}
	}
	totals, err := counts.AddRateCounts(ctx, batch)
	for i, it := range items {
		sh := &l.shards[it.shard]
		sh.mu.Lock()
		c := it.c
		switch {
		case sh.m[it.key] != c || c.name != batch[i].Key:
			// Evicted or restarted for another limit meanwhile.
		case err != nil && c.win == it.win:
			c.pending += it.delta
		case err != nil && c.win == it.win+1:
			c.oldPending, c.oldWin = c.oldPending+it.delta, it.win
		case err != nil:
		case c.win == it.win:
			// The total holds this instance's delta; add what it
			// accepted since the batch left.
			c.cur = max(c.cur, totals[i]+c.pending)
			c.budget = l.budgetFor(c, now.UnixNano())
			if others := totals[i] - it.delta - it.base; others > 0 {
				// Others count this key too: share what is left more
				// thinly, since they take from it before the next sync.
				c.budget = max(1, (c.budget+1)/2)
			}
		case c.win == it.win+1:
			c.prev = max(c.prev, totals[i])
			c.budget = l.budgetFor(c, now.UnixNano())
		}
		sh.mu.Unlock()
	}
	if err != nil {
		log.Warn("syncing rate limit counts failed; counting locally until the next sync", "err", err)
	}
}
