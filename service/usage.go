package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"tokenmint"
)

// UsageBuffer collects token usage in memory and writes it to the Store in
// batches, so verifying a token costs no database write. What can be lost
// is what was buffered since the last flush when the process dies without a
// graceful shutdown (at most one flush interval); a graceful shutdown
// flushes everything.
type UsageBuffer struct {
	store   tokenmint.Store
	log     *slog.Logger
	maxKeys int
	full    chan struct{}

	mu      sync.Mutex
	pending map[usageKey]*tokenmint.UsageRecord
	// dropped counts uses of new (token, IP) pairs refused because the
	// buffer held hardLimit pairs (the store was unreachable for long).
	dropped int64
	flushMu sync.Mutex // one flush at a time keeps batches in order
}

type usageKey struct{ tokenID, ip string }

// hardLimitFactor times maxKeys is the most (token, IP) pairs a buffer ever
// holds: when flushes keep failing, uses of new pairs are dropped (and
// counted) rather than growing memory without bound.
const hardLimitFactor = 4

// NewUsageBuffer returns a buffer that asks for an early flush when it holds
// maxKeys distinct (token, IP) pairs.
func NewUsageBuffer(store tokenmint.Store, log *slog.Logger, maxKeys int) *UsageBuffer {
	return &UsageBuffer{
		store:   store,
		log:     log,
		maxKeys: maxKeys,
		full:    make(chan struct{}, 1),
		pending: map[usageKey]*tokenmint.UsageRecord{},
	}
}

// Record counts one use of a token from ip at t.
func (b *UsageBuffer) Record(tenantID, tokenID, ip string, t time.Time) {
	b.mu.Lock()
	k := usageKey{tokenID, ip}
	if r, ok := b.pending[k]; ok {
		r.Count++
		if t.After(r.Last) {
			r.Last = t
		}
	} else if len(b.pending) >= b.maxKeys*hardLimitFactor {
		b.dropped++
	} else {
		b.pending[k] = &tokenmint.UsageRecord{TenantID: tenantID, TokenID: tokenID, IP: ip, First: t, Last: t, Count: 1}
	}
	n := len(b.pending)
	b.mu.Unlock()
	if n >= b.maxKeys {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
}

// Pending returns the number of buffered (token, IP) pairs.
func (b *UsageBuffer) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// Flush writes everything buffered. On failure the batch is merged back so
// a later flush retries it.
func (b *UsageBuffer) Flush(ctx context.Context) error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	batch := b.pending
	b.pending = map[usageKey]*tokenmint.UsageRecord{}
	b.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	recs := make([]tokenmint.UsageRecord, 0, len(batch))
	for _, r := range batch {
		recs = append(recs, *r)
	}
	if err := b.store.RecordUsage(ctx, recs); err != nil {
		b.mergeBack(batch)
		return err
	}
	b.mu.Lock()
	dropped := b.dropped
	b.dropped = 0
	b.mu.Unlock()
	if dropped > 0 {
		b.log.Warn("token usage was dropped while the database was unreachable and the buffer full", "uses", dropped)
	}
	return nil
}

// Dropped returns the uses not buffered since the last successful flush
// because the buffer was full.
func (b *UsageBuffer) Dropped() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

func (b *UsageBuffer) mergeBack(batch map[usageKey]*tokenmint.UsageRecord) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, old := range batch {
		cur, ok := b.pending[k]
		if !ok {
			if len(b.pending) >= b.maxKeys*hardLimitFactor {
				b.dropped += old.Count
				continue
			}
			b.pending[k] = old
			continue
		}
		cur.Count += old.Count
		if old.First.Before(cur.First) {
			cur.First = old.First
		}
		if old.Last.After(cur.Last) {
			cur.Last = old.Last
		}
	}
}

// Run flushes every interval, or early when the buffer fills, until ctx
// ends; the caller flushes once more after shutdown.
func (b *UsageBuffer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-b.full:
		}
		if err := b.Flush(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("usage flush failed; will retry", "err", err)
		}
	}
}
