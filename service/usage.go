package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// UsageBuffer collects token usage in memory and writes it to the Store in
// batches, so verifying a token costs no database write. What can be lost
// is what was buffered since the last flush when the process dies without a
// graceful shutdown (at most one flush interval); a graceful shutdown
// flushes everything.
//
// Each batch carries an ID the store records in the batch's transaction
// (Store.RecordUsageOnce). A flush that fails is kept as it was, under its
// ID, and sent again before anything newer: when its commit had in fact
// succeeded and only the answer was lost, the store recognises the ID and
// the usage is not counted twice.
type UsageBuffer struct {
	store   tokenmint.Store
	log     *slog.Logger
	maxKeys int
	full    chan struct{}

	mu      sync.Mutex
	pending map[usageKey]*tokenmint.UsageRecord
	// failed counts failed verifications per tenant and UTC day since
	// the last flush; it goes out with the next batch.
	failed map[failKey]int64
	// retry is the batch whose flush failed, kept unchanged under its ID
	// until the store acknowledges it; nil when there is none.
	retry *usageBatch
	// outside counts the pairs of pending not in retry: retry's pairs plus
	// outside is what the buffer holds, and what hardLimitFactor bounds.
	outside int
	// dropped counts uses of new (token, IP) pairs refused because the
	// buffer held hardLimit pairs (the store was unreachable for long).
	dropped int64
	flushMu sync.Mutex // one flush at a time keeps batches in order
}

// usageKey is a (token, IP) pair on a UTC day (tokenmint.UnixDay): uses
// on either side of midnight stay apart, so the daily counts put each on
// its own day. A batch holds two records of one pair only when it spans
// midnight.
type usageKey struct {
	tokenID, ip string
	day         int64
}

// failKey is a tenant's UTC day (tokenmint.UnixDay).
type failKey struct {
	tenantID string
	day      int64
}

// usageBatch is a batch of usage under the ID the store deduplicates by.
type usageBatch struct {
	id      string
	records map[usageKey]*tokenmint.UsageRecord
	failed  map[failKey]int64
}

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
		failed:  map[failKey]int64{},
	}
}

// RecordFailure counts one failed verification of a token of the tenant
// at t. The counts, one per tenant and day, go out with the next flush,
// in the same store write as the usage: a refused request writes nothing
// by itself. Their memory is bounded by the number of tenants.
func (b *UsageBuffer) RecordFailure(tenantID string, t time.Time) {
	b.mu.Lock()
	b.failed[failKey{tenantID, tokenmint.UnixDay(t)}]++
	b.mu.Unlock()
}

// Record counts one use of a token from ip at t.
func (b *UsageBuffer) Record(tenantID, tokenID, ip string, t time.Time) {
	b.mu.Lock()
	k := usageKey{tokenID, ip, tokenmint.UnixDay(t)}
	if r, ok := b.pending[k]; ok {
		r.Count++
		if t.After(r.Last) {
			r.Last = t
		}
	} else if b.inRetry(k) {
		// A pair waiting in the failed batch is counted anew beside it: it
		// holds no further memory of its own kind.
		b.pending[k] = &tokenmint.UsageRecord{TenantID: tenantID, TokenID: tokenID, IP: ip, First: t, Last: t, Count: 1}
	} else if b.heldLocked() >= b.maxKeys*hardLimitFactor {
		b.dropped++
	} else {
		b.pending[k] = &tokenmint.UsageRecord{TenantID: tenantID, TokenID: tokenID, IP: ip, First: t, Last: t, Count: 1}
		b.outside++
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

// Pending returns the number of buffered (token, IP, day) keys, those of a
// batch waiting to be sent again included.
func (b *UsageBuffer) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.heldLocked()
}

func (b *UsageBuffer) heldLocked() int {
	if b.retry == nil {
		return len(b.pending)
	}
	return len(b.retry.records) + b.outside
}

func (b *UsageBuffer) inRetry(k usageKey) bool {
	if b.retry == nil {
		return false
	}
	_, ok := b.retry.records[k]
	return ok
}

// Flush writes everything buffered. A batch that failed before is sent
// again first, unchanged and under the same ID; then what was recorded
// since goes as a new batch. On failure that batch is kept for the next
// flush.
func (b *UsageBuffer) Flush(ctx context.Context) error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	retry := b.retry
	b.mu.Unlock()
	if retry != nil {
		if err := b.store.RecordUsageOnce(ctx, retry.id, retry.list()); err != nil {
			return err
		}
		b.mu.Lock()
		b.retry, b.outside = nil, len(b.pending)
		b.mu.Unlock()
	}
	b.mu.Lock()
	batch := &usageBatch{id: secret.NewID(), records: b.pending, failed: b.failed}
	b.pending, b.outside = map[usageKey]*tokenmint.UsageRecord{}, 0
	b.failed = map[failKey]int64{}
	b.mu.Unlock()
	if len(batch.records) == 0 && len(batch.failed) == 0 {
		return nil
	}
	if err := b.store.RecordUsageOnce(ctx, batch.id, batch.list()); err != nil {
		b.mu.Lock()
		b.retry, b.outside = batch, 0
		for k := range b.pending {
			if !b.inRetry(k) {
				b.outside++
			}
		}
		b.mu.Unlock()
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

// list returns the batch as the store takes it: a record per (token, IP),
// and per tenant and day of failed verifications a record without a token
// (see tokenmint.UsageRecord).
func (u *usageBatch) list() []tokenmint.UsageRecord {
	recs := make([]tokenmint.UsageRecord, 0, len(u.records)+len(u.failed))
	for _, r := range u.records {
		recs = append(recs, *r)
	}
	for k, n := range u.failed {
		day := tokenmint.DayStart(k.day)
		recs = append(recs, tokenmint.UsageRecord{TenantID: k.tenantID, First: day, Last: day, Count: n})
	}
	return recs
}

// UsageWriteBudget is the share of wall-clock time the usage write-back
// may take. A flush costs a store write per (token, IP) used since the
// last one, so with many tokens in use it grows with them; after a flush
// that took d, the next waits at least d/UsageWriteBudget - d, so the
// write-back never takes more than this share of one core, whatever the
// number of tokens in use. The price is freshness: with 100 000 tokens in
// use last_used_at lags by up to a quarter minute instead of the interval.
const UsageWriteBudget = 0.1

// Run flushes every interval, or early when the buffer fills, until ctx
// ends; the caller flushes once more after shutdown. A flush never comes
// sooner than UsageWriteBudget allows after the last one, a full buffer
// included: past its hard limit uses of new pairs are dropped and counted
// (Dropped) rather than the write-back taking over the server.
func (b *UsageBuffer) Run(ctx context.Context, interval time.Duration) {
	wait := interval
	var rest time.Duration // the least wait the budget asks for
	for {
		started := time.Now()
		timer := time.NewTimer(wait)
	waiting:
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
				break waiting
			case <-b.full:
				if time.Since(started) >= rest {
					timer.Stop()
					break waiting
				}
				// Too soon: flush when the budget allows.
				timer.Stop()
				timer = time.NewTimer(rest - time.Since(started))
			}
		}
		t0 := time.Now()
		if err := b.Flush(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("usage flush failed; will retry", "err", err)
		}
		took := time.Since(t0)
		rest = time.Duration(float64(took)/UsageWriteBudget) - took
		wait = max(interval, rest)
	}
}
