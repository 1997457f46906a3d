package service

import (
	"context"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// usageBatch is a batch of usage under the ID the store deduplicates by:
// the records as the store takes them, and the pairs they came from.
type usageBatch struct {
	id      string
	records []tokenmint.UsageRecord
	keys    []usageKey
}

// MaxUsageBatch is the most (token, IP) pairs one flush writes in one
// store transaction. A million tokens coming into use at once (a restart)
// are a million first uses, about 17 s of SQLite work: in one transaction
// they would hold the database's writer that long, and a job that flushed
// them would take the whole backlog at once. Capped, the backlog goes out
// a batch at a time at the pace UsageWriteBudget allows (Run). It was
// 5 000: pgx keeps each connection's parameter buffers at the size of the
// largest statement it sent, and a batch of 5 000 pairs (arrays of every
// column) left about 1.5 MB on every pool connection a flush had used,
// 60 B per cached token in bench's cache-memory on PostgreSQL. A thousand
// also holds SQLite's writer a fifth as long.
const MaxUsageBatch = 1_000

// Flush writes everything buffered, whatever the horizon, a batch of at
// most MaxUsageBatch pairs at a time, and then forgets the pairs it wrote
// (their next use is written as a new pair's): a graceful shutdown and
// anyone who must read the usage back call it. A batch that failed before
// is sent again first, unchanged and under the same ID; then what was
// recorded since goes in new batches. On failure the batch is kept for the
// next flush.
func (b *UsageBuffer) Flush(ctx context.Context) error { return b.flush(ctx, true) }

// FlushDue writes one batch of what is due: the pairs never written, and
// the uses of pairs last written at least UsageRewriteHorizon ago (looked
// for every eighth of the horizon), at most MaxUsageBatch pairs, like Flush
// otherwise. Run calls it every flush interval, and sooner while Backlog
// says more is due.
func (b *UsageBuffer) FlushDue(ctx context.Context) error { return b.flush(ctx, false) }

func (b *UsageBuffer) flush(ctx context.Context, all bool) error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	retry := b.retry
	b.mu.Unlock()
	if retry != nil {
		if err := b.store.RecordUsageOnce(ctx, retry.id, retry.records); err != nil {
			return err
		}
		b.mu.Lock()
		b.retry = nil
		b.markLocked(retry.keys, false)
		b.mu.Unlock()
	}
	for {
		batch, more := b.take(all)
		if len(batch.records) == 0 {
			break
		}
		if err := b.store.RecordUsageOnce(ctx, batch.id, batch.records); err != nil {
			b.mu.Lock()
			b.retry = batch
			b.markLocked(batch.keys, true)
			b.mu.Unlock()
			return err
		}
		if !all || !more {
			break
		}
	}
	b.mu.Lock()
	if all {
		b.forgetCleanLocked()
	}
	dropped := b.dropped
	b.dropped = 0
	b.mu.Unlock()
	if dropped > 0 {
		b.log.Warn("token usage was dropped while the buffer was full (the database unreachable for long, or more pairs in use than it holds)", "uses", dropped)
	}
	return nil
}

// Backlog reports whether pairs due to be written were left for a later
// flush by the MaxUsageBatch cap.
func (b *UsageBuffer) Backlog() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.more
}

// forgetCleanLocked drops the pairs with nothing to write. The others move
// to a new map: a Go map keeps its size when entries are deleted, and a
// buffer that held a million pairs would keep their memory.
func (b *UsageBuffer) forgetCleanLocked() {
	kept := make(map[usageKey]usageEntry, len(b.pairs)-b.clean)
	for k, e := range b.pairs {
		if e.count != 0 || e.flags != 0 {
			kept[k] = e
		}
	}
	b.pairs, b.clean = kept, 0
	b.compactOddLocked()
}

// markLocked sets or clears entryRetry on the pairs of a batch, keeping
// the counts of Pending and of the pairs that may be forgotten.
func (b *UsageBuffer) markLocked(keys []usageKey, inRetry bool) {
	for _, k := range keys {
		e, ok := b.pairs[k]
		if !ok || (e.flags&entryRetry != 0) == inRetry {
			continue
		}
		d := 1
		if inRetry {
			e.flags |= entryRetry
			d = -1
		} else {
			e.flags &^= entryRetry
		}
		if e.count == 0 {
			b.clean += d
		} else {
			b.outside += d
		}
		b.pairs[k] = e
	}
}

// takenPair is a pair moved into a batch: its key and its entry as it was
// taken.
type takenPair struct {
	k usageKey
	e usageEntry
}

// freshChunk is how many new pairs take moves per hold of the buffer's
// lock. Every verification records its use under that lock: a flush that
// held it for a whole batch (5 000 pairs then, milliseconds with a million
// pairs in the map) put sync.Mutex into its starvation mode, and the 64
// connections of a load then queued behind each other, handing the lock
// on one wake-up at a time, with the CPU a third idle (mutex profile of
// verify-scale-1000000).
const freshChunk = 512

// take moves into a new batch, of at most MaxUsageBatch pairs, the failed
// verifications and the uses to write now: every pair's when all is set
// (or when the buffer nears its limit, so that the written pairs can make
// room), otherwise those of the new pairs and, at each sweep, of the pairs
// due again. The sweep also forgets pairs unused for a horizon since their
// write. more says whether the cap left due pairs behind; a sweep cut short
// by it is taken up again at the next flush. The new pairs are taken a
// freshChunk at a time, the lock let go between chunks, and the records
// are built once it is let go.
func (b *UsageBuffer) take(all bool) (batch *usageBatch, more bool) {
	now := b.clock.Now()
	stamp := writtenStamp(now)
	var taken []takenPair
	odd := map[oddKey]string{} // the texts of the taken pairs' odd parts
	b.mu.Lock()
	takeOne := func(k usageKey, e usageEntry) {
		if k.kind&keyTokenOdd != 0 {
			odd[k.token] = b.odd[k.token]
		}
		if k.kind&keyIPOdd != 0 {
			odd[k.ip] = b.odd[k.ip]
		}
		taken = append(taken, takenPair{k: k, e: e})
		if e.written == 0 {
			b.unwritten--
		}
		e.count, e.written, e.flags = 0, stamp, e.flags&^entryQueued
		b.pairs[k] = e
		b.outside--
		b.clean++
	}
	full := func() bool { return len(taken) >= MaxUsageBatch }
	horizon := uint32(UsageRewriteHorizon / time.Second)
	sweep := all || b.sweepCut || now.UnixNano() >= b.nextSweep || b.heldLocked() >= b.limit-b.limit/8
	pressed := !all && b.heldLocked() >= b.limit-b.limit/8
	b.more = false
	if sweep {
	walk:
		for k, e := range b.pairs {
			due := e.written == 0 || stamp-e.written >= horizon || stamp < e.written
			switch {
			case e.count > 0 && e.flags&entryQueued != 0 && !all && !pressed:
				// A new pair: taken below, in the order it came.
			case e.count > 0 && (all || pressed || due):
				if full() {
					b.more = true
					break walk
				}
				takeOne(k, e)
			case e.count == 0 && e.flags == 0 && due:
				delete(b.pairs, k)
				b.clean--
			}
		}
		b.compactOddLocked()
		b.sweepCut = b.more
		if !b.more {
			b.nextSweep = now.Add(UsageRewriteHorizon / 8).UnixNano()
		}
	}
	// The new pairs, in the order they came: a sweep took those it met
	// (all or pressed), and a taken pair no longer carries entryQueued.
	// What the cap leaves stays in fresh for the next flush. Between
	// chunks the lock is let go: Record only appends to fresh, and a pair
	// forgotten meanwhile (makeRoomLocked) is simply not found.
	i := 0
	for n := 0; i < len(b.fresh); i, n = i+1, n+1 {
		if n == freshChunk {
			b.mu.Unlock()
			b.mu.Lock()
			n = 0
		}
		k := b.fresh[i]
		e, ok := b.pairs[k]
		if !ok || e.flags&entryQueued == 0 || e.count == 0 {
			continue
		}
		if full() {
			b.more = true
			break
		}
		takeOne(k, e)
	}
	switch {
	case i < len(b.fresh):
		b.fresh = b.fresh[i:]
	case cap(b.fresh) > 1<<16:
		b.fresh = nil // a burst's array is not kept
	default:
		b.fresh = b.fresh[:0]
	}
	var failed map[failKey]int64 // moved out: RecordFailure writes into a new one
	if len(b.failed) > 0 {
		failed, b.failed = b.failed, map[failKey]int64{}
	}
	names := b.tenantNames // only ever appended to: the names read below stay
	more = b.more
	b.mu.Unlock()
	batch = &usageBatch{id: secret.NewID(), keys: make([]usageKey, 0, len(taken)), records: make([]tokenmint.UsageRecord, 0, len(taken)+len(failed))}
	for _, t := range taken {
		batch.records = append(batch.records, tokenmint.UsageRecord{
			TenantID: names[t.e.tenant], TokenID: t.k.tokenID(odd), IP: t.k.ipText(odd),
			First: time.Unix(0, t.e.first).UTC(), Last: time.Unix(0, t.e.last).UTC(), Count: int64(t.e.count),
		})
		batch.keys = append(batch.keys, t.k)
	}
	for k, n := range failed {
		day := tokenmint.DayStart(k.day)
		batch.records = append(batch.records, tokenmint.UsageRecord{TenantID: k.tenantID, First: day, Last: day, Count: n})
	}
	return batch, more
}

// writtenStamp is t's Unix second as an entry's written stamp (never 0).
func writtenStamp(t time.Time) uint32 {
	s := t.Unix() - writtenBase
	return uint32(min(max(s, 1), 1<<32-1))
}

// unwrittenUse returns a check of whether the buffer holds a use of a
// token that the store has not seen: a new pair waiting for its first
// write, or a pair of a batch waiting to be sent again. Any other pair
// holding uses was written within about a horizon, so the store's last
// use of its token is that recent. The check's set of tokens is built on
// its first call (one pass over the waiting pairs), so a job run with no
// idle token costs nothing.
func (b *UsageBuffer) unwrittenUse() func(tokenID string) bool {
	var waiting map[usageKey]struct{} // token part only
	return func(tokenID string) bool {
		if waiting == nil {
			waiting = b.waitingTokens()
		}
		_, ok := waiting[tokenPart(makeUsageKey(tokenID, "", 0))]
		return ok
	}
}

// waitingTokens is the set of the token parts of the pairs never written.
func (b *UsageBuffer) waitingTokens() map[usageKey]struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	set := map[usageKey]struct{}{}
	for _, k := range b.fresh {
		if e, ok := b.pairs[k]; ok && e.flags&entryQueued != 0 && e.count > 0 && e.written == 0 {
			set[tokenPart(k)] = struct{}{}
		}
	}
	if b.retry != nil {
		for _, k := range b.retry.keys {
			set[tokenPart(k)] = struct{}{}
		}
	}
	return set
}

// tokenPart is k with only its token: the key of a set of tokens.
func tokenPart(k usageKey) usageKey {
	return usageKey{token: k.token, kind: k.kind & keyTokenOdd}
}
