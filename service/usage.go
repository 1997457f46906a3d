package service

import (
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"tokenmint"
)

// UsageBuffer collects token usage in memory and writes it to the Store in
// batches, so verifying a token costs no database write.
//
// The first use of a (token, IP) pair on a day is written at the next
// flush (every flush interval). Later uses of a pair already written are
// counted in memory and written at most once per UsageRewriteHorizon, as
// GitLab updates a token's last use at most every ten minutes: with a
// million tokens in use each verified every minute or two, the write-back
// then costs a store write per pair per horizon instead of one per pair per
// flush, and its cost no longer grows with how often tokens are used.
// What a crash can lose is what was buffered and not yet written: the uses
// of new pairs since the last flush, and of pairs already written, at most
// a horizon of their counts and last use. A graceful shutdown (Flush)
// writes everything.
//
// Each batch carries an ID the store records in the batch's transaction
// (Store.RecordUsageOnce). A flush that fails is kept as it was, under its
// ID, and sent again before anything newer: when its commit had in fact
// succeeded and only the answer was lost, the store recognises the ID and
// the usage is not counted twice.
//
// The buffer holds no pointer per pair (usageKey, usageEntry): the garbage
// collector does not scan it, however many tokens are in use.
type UsageBuffer struct {
	store   tokenmint.Store
	log     *slog.Logger
	clock   tokenmint.Clock
	maxKeys int // new pairs that ask for an early flush
	limit   int // the most pairs held (see heldLocked)
	full    chan struct{}

	mu    sync.Mutex
	pairs map[usageKey]usageEntry
	// fresh are the pairs the next FlushDue writes whatever the horizon:
	// never written yet, or with a count near its ceiling.
	fresh []usageKey
	// odd holds the text of token IDs and IPs a usageKey files by digest.
	odd map[oddKey]string
	// tenants numbers the tenant IDs the entries name.
	tenants     map[string]uint32
	tenantNames []string
	// failed counts failed verifications per tenant and UTC day since
	// the last flush; it goes out with the next batch.
	failed map[failKey]int64
	// retry is the batch whose flush failed, kept unchanged under its ID
	// until the store acknowledges it; nil when there is none. Its pairs
	// carry entryRetry.
	retry *usageBatch
	// outside counts the pairs with uses not yet written that are not in
	// retry: retry's pairs plus outside is what Pending reports.
	outside int
	// clean counts the pairs with nothing to write and not in retry: they
	// only remember when they were written, and may be dropped for room.
	clean int
	// dropped counts uses of new (token, IP) pairs refused because the
	// buffer was at its limit (the store was unreachable for long).
	dropped   int64
	nextSweep int64 // clock nanoseconds of the next sweep for due pairs
	// sweepCut says the last sweep stopped at MaxUsageBatch: the next
	// flush sweeps again.
	sweepCut bool
	// more says the last take left due pairs for a later flush (Backlog).
	more bool
	// unwritten counts the pairs never written (WaitingNewPairs).
	unwritten int
	flushMu   sync.Mutex
}

// usageEntry is what the buffer holds of a pair: the uses not yet written
// (count, first, last as Unix nanoseconds) and when it was last written.
type usageEntry struct {
	first, last int64
	count       uint32
	// written is the clock's Unix second of the pair's last write, as an
	// offset from writtenBase; 0 when never written.
	written uint32
	tenant  uint32 // index in tenantNames
	flags   uint8  // entryQueued | entryRetry
}

const (
	entryQueued uint8 = 1 << iota // in fresh
	entryRetry                    // in the failed batch
)

// writtenBase is the Unix second entries' written stamps count from
// (2020-01-01), so that a uint32 lasts past 2150.
const writtenBase = 1577836800

// countCeiling is the count at which a pair is written at the next flush,
// horizon or not, far from its uint32 limit.
const countCeiling = 1 << 31

// UsageRewriteHorizon is how long the uses of a (token, IP) pair already
// written wait, counted in memory, before they are written again
// (UsageBuffer). A new pair is written at the next flush.
const UsageRewriteHorizon = 10 * time.Minute

// failKey is a tenant's UTC day (tokenmint.UnixDay).
type failKey struct {
	tenantID string
	day      int64
}

// hardLimitFactor times maxKeys is the most (token, IP) pairs a buffer
// made by NewUsageBuffer holds.
const hardLimitFactor = 4

// NewUsageBuffer returns a buffer on the system clock that asks for an
// early flush when it holds maxKeys new (token, IP) pairs, and holds at
// most four times as many pairs.
func NewUsageBuffer(store tokenmint.Store, log *slog.Logger, maxKeys int) *UsageBuffer {
	return newUsageBuffer(store, log, tokenmint.SystemClock{}, maxKeys, maxKeys*hardLimitFactor)
}

// newUsageBuffer returns a buffer on clock that asks for an early flush at
// maxKeys new pairs and holds at most limit pairs: past it, pairs with
// nothing to write are forgotten (a later use is then written as new), and
// when there are too few of those, uses of new pairs are dropped and
// counted rather than growing memory without bound.
func newUsageBuffer(store tokenmint.Store, log *slog.Logger, clock tokenmint.Clock, maxKeys, limit int) *UsageBuffer {
	return &UsageBuffer{
		store:   store,
		log:     log,
		clock:   clock,
		maxKeys: maxKeys,
		limit:   max(limit, maxKeys),
		full:    make(chan struct{}, 1),
		pairs:   map[usageKey]usageEntry{},
		odd:     map[oddKey]string{},
		tenants: map[string]uint32{},
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
	b.record(tenantID, tokenID, netip.Addr{}, ip, t)
}

// record is Record for a caller that may have the address parsed (see
// makeUsageKeyAddr).
func (b *UsageBuffer) record(tenantID, tokenID string, addr netip.Addr, ip string, t time.Time) {
	k := makeUsageKeyAddr(tokenID, addr, ip, tokenmint.UnixDay(t))
	ns := t.UnixNano()
	signal := false
	b.mu.Lock()
	if e, ok := b.pairs[k]; ok {
		if e.count == 0 {
			e.first, e.last = ns, ns
			if e.flags&entryRetry == 0 {
				b.clean--
				b.outside++
			}
		} else {
			e.first, e.last = min(e.first, ns), max(e.last, ns)
		}
		e.count++
		if e.count >= countCeiling && e.flags&entryQueued == 0 {
			e.flags |= entryQueued
			b.fresh = append(b.fresh, k)
		}
		b.pairs[k] = e
	} else if b.heldLocked() >= b.limit && !b.makeRoomLocked() {
		b.dropped++
		signal = true
	} else {
		b.pairs[k] = usageEntry{first: ns, last: ns, count: 1, tenant: b.tenantLocked(tenantID), flags: entryQueued}
		if k.kind&keyTokenOdd != 0 {
			b.odd[k.token] = tokenID
		}
		if k.kind&keyIPOdd != 0 {
			b.odd[k.ip] = ip
		}
		b.fresh = append(b.fresh, k)
		b.outside++
		b.unwritten++
	}
	signal = signal || len(b.fresh) >= b.maxKeys
	b.mu.Unlock()
	if signal {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
}

func (b *UsageBuffer) tenantLocked(id string) uint32 {
	if i, ok := b.tenants[id]; ok {
		return i
	}
	i := uint32(len(b.tenantNames))
	b.tenants[id] = i
	b.tenantNames = append(b.tenantNames, id)
	return i
}

// makeRoomLocked forgets the pairs with nothing to write, when they are
// enough to be worth a pass over the map (an eighth of the limit), and
// reports whether there is room now.
func (b *UsageBuffer) makeRoomLocked() bool {
	if b.clean < max(1, b.limit/8) {
		return false
	}
	b.forgetCleanLocked()
	return b.heldLocked() < b.limit
}

// compactOddLocked drops the texts no pair names any more.
func (b *UsageBuffer) compactOddLocked() {
	if len(b.odd) == 0 {
		return
	}
	used := make(map[oddKey]struct{}, len(b.odd))
	for k := range b.pairs {
		if k.kind&keyTokenOdd != 0 {
			used[k.token] = struct{}{}
		}
		if k.kind&keyIPOdd != 0 {
			used[k.ip] = struct{}{}
		}
	}
	for d := range b.odd {
		if _, ok := used[d]; !ok {
			delete(b.odd, d)
		}
	}
}

// Pending returns the number of (token, IP, day) pairs with uses not yet
// written, those of a batch waiting to be sent again included.
func (b *UsageBuffer) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.outside
	if b.retry != nil {
		n += len(b.retry.keys)
	}
	return n
}

// WaitingNewPairs returns the number of new pairs whose first use is not
// written yet (those MaxUsageBatch left for later flushes included; a
// failed batch waiting to be sent again aside). It is a count kept as pairs
// come and go: the bench polls it every 10 ms under load.
func (b *UsageBuffer) WaitingNewPairs() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.unwritten
}

// Tracked returns the number of pairs the buffer holds: those with uses not
// yet written and those that only remember when they were written.
func (b *UsageBuffer) Tracked() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pairs)
}

// heldLocked is what the limit bounds: the pairs, and the records of a
// failed batch (copies, with their text) beside them.
func (b *UsageBuffer) heldLocked() int {
	if b.retry == nil {
		return len(b.pairs)
	}
	return len(b.pairs) + len(b.retry.keys)
}

// Dropped returns the uses not buffered since the last successful flush
// because the buffer was full.
func (b *UsageBuffer) Dropped() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}
