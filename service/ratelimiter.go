package service

import (
	"hash/maphash"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"tokenmint"
)

// RateState is what an answer of a rate-limited token tells its caller,
// in the terms of the RateLimit header fields: the limit that binds
// (requests per window), what is left of it and the seconds until the
// current window ends. Limit 0 means the token is not rate limited.
type RateState struct {
	Limit     int
	Remaining int
	Reset     int
}

// rateShards spreads the counters over independently locked maps, so
// verifications of different tokens rarely wait for each other.
const rateShards = 64

// maxRateKeysPerShard bounds the counters of one shard (a million in
// all). Past it the shard's idle counters are dropped; a counter whose
// windows passed holds nothing worth keeping.
const maxRateKeysPerShard = 16384

// rateKey names a counter: a token's or an owner's. IDs are global, so
// the tenant is not needed to tell two apart.
type rateKey struct {
	kind byte // 't' token, 'u' user, 'a' application
	id   string
}

// rateCounter is a sliding-window counter: the accepted requests of the
// current fixed window and of the one before, the estimate being the
// previous count weighted by the part of it still inside the sliding
// window, plus the current count.
type rateCounter struct {
	requests int64 // the limit in force when the counter was last used
	perNs    int64
	win      int64 // index of the current window: unix nanoseconds / perNs
	cur      int64 // accepted in the current window (shared: every instance's, as last read, plus pending)
	prev     int64 // accepted in the window before
	seen     int64 // unix nanoseconds of the last request

	// Across instances (rateLimiter.shared): pending are accepted here
	// and not yet added to the shared count; oldPending those of window
	// oldWin, the one before, still to add. budget is how many more may
	// be accepted here before the next sync tells what the others did.
	pending    int64
	oldPending int64
	oldWin     int64
	budget     int64
	name       string // the shared row's key, built once per limit
}

// rateShard is one lock and its counters.
type rateShard struct {
	mu sync.Mutex
	m  map[rateKey]*rateCounter
}

// rateLimiter counts verifications of rate-limited tokens and owners in
// memory. On one server (SQLite) it is exact; with shared set, the
// counts of every instance are added up through the store every sync
// interval (ratesync.go), and each instance accepts at most half of what
// it believes is left between two syncs.
type rateLimiter struct {
	seed   maphash.Seed
	shared bool
	// interval is the sync interval in nanoseconds (RunRateSync).
	interval atomic.Int64
	shards   [rateShards]rateShard
}

func newRateLimiter(shared bool) *rateLimiter {
	l := &rateLimiter{seed: maphash.MakeSeed(), shared: shared}
	l.interval.Store(int64(DefaultRateSyncInterval))
	for i := range l.shards {
		l.shards[i].m = map[rateKey]*rateCounter{}
	}
	return l
}

// rateReq is one limit to count a request against (zero limit: none).
type rateReq struct {
	key   rateKey
	limit tokenmint.RateLimit
}

func (l *rateLimiter) shardOf(shardKey string) int {
	return int(maphash.String(l.seed, shardKey) % rateShards)
}

// take counts one request against a and b, both of which must allow it:
// a request refused by one is not counted by the other. It returns the
// state of the limit with the least left (or the one that refused) and,
// when refused, how long to wait. shardKey chooses the shard of both
// counters: the owner's ID, so a token's counter and its owner's share
// one lock, taken once.
func (l *rateLimiter) take(now time.Time, shardKey string, a, b rateReq) (RateState, time.Duration, bool) {
	ns := now.UnixNano()
	sh := &l.shards[l.shardOf(shardKey)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var ca, cb *rateCounter
	if !a.limit.IsZero() {
		ca = l.counterLocked(sh, &a, ns)
	}
	if !b.limit.IsZero() {
		cb = l.counterLocked(sh, &b, ns)
	}
	for _, c := range [2]*rateCounter{ca, cb} {
		if c == nil {
			continue
		}
		if wait, ok := l.allows(c, ns); !ok {
			// A refused request's reset is when one fits again (the
			// Retry-After), not the fixed window's end: with the sliding
			// window the previous window's count still weighs after it, and
			// a client retrying at RateLimit-Reset would be refused again.
			reset := max(c.resetSeconds(ns), tokenmint.RetryAfterSeconds(wait))
			return RateState{Limit: int(c.requests), Remaining: 0, Reset: reset}, wait, false
		}
	}
	st := RateState{Remaining: math.MaxInt}
	for _, c := range [2]*rateCounter{ca, cb} {
		if c == nil {
			continue
		}
		c.cur++
		c.seen = ns
		if l.shared {
			c.pending++
		}
		if rem := c.remaining(ns); rem < st.Remaining || (rem == st.Remaining && int(c.requests) < st.Limit) {
			st = RateState{Limit: int(c.requests), Remaining: rem, Reset: c.resetSeconds(ns)}
		}
	}
	return st, 0, true
}

// counterLocked returns the request's counter, rolled to the window of
// ns, creating it (or starting it afresh for a changed limit).
func (l *rateLimiter) counterLocked(sh *rateShard, r *rateReq, ns int64) *rateCounter {
	perNs := int64(r.limit.PerSeconds) * int64(time.Second)
	c, ok := sh.m[r.key]
	if !ok {
		if len(sh.m) >= maxRateKeysPerShard {
			evictIdleLocked(sh, ns)
		}
		c = &rateCounter{}
		sh.m[r.key] = c
	}
	if c.perNs != perNs {
		// A new window length counts afresh: the old counts belong to
		// windows of another size.
		*c = rateCounter{perNs: perNs, win: ns / perNs, name: sharedKeyName(&r.key, r.limit.PerSeconds)}
		c.requests = int64(r.limit.Requests)
		c.budget = l.coldBudget(c, ns)
	}
	c.requests = int64(r.limit.Requests)
	c.roll(ns, l)
	return c
}

// sharedKeyName is the key of a counter's rows in the shared table.
func sharedKeyName(k *rateKey, per int) string {
	return string(k.kind) + ":" + k.id + ":" + strconv.Itoa(per)
}

// roll moves the counter to the window of ns.
func (c *rateCounter) roll(ns int64, l *rateLimiter) {
	w := ns / c.perNs
	if w == c.win {
		return
	}
	if c.pending > 0 {
		c.oldPending, c.oldWin = c.oldPending+c.pending, c.win
	}
	if w == c.win+1 {
		c.prev = c.cur
	} else {
		c.prev = 0
	}
	c.cur, c.pending, c.win = 0, 0, w
	c.budget = l.coldBudget(c, ns)
}

// estimate is the sliding window's count at ns.
func (c *rateCounter) estimate(ns int64) float64 {
	frac := float64(ns-c.win*c.perNs) / float64(c.perNs)
	return float64(c.prev)*(1-frac) + float64(c.cur)
}

// allows reports whether one more request fits, and if not how long
// until one does.
func (l *rateLimiter) allows(c *rateCounter, ns int64) (time.Duration, bool) {
	n := float64(c.requests)
	if c.estimate(ns)+1 <= n {
		if l.shared && c.pending >= c.budget {
			// Fits, but this instance has used its share until the next
			// sync tells what the others did: shortly.
			return time.Second, false
		}
		return 0, true
	}
	start := c.win * c.perNs
	var at float64 // fraction of the window at which a request fits again
	if float64(c.cur)+1 <= n {
		at = 1 - (n-1-float64(c.cur))/float64(c.prev)
		return time.Duration(math.Ceil((at*float64(c.perNs) + float64(start-ns)))), false
	}
	// Only in the next window, where cur becomes prev.
	at = 1 - (n-1)/float64(c.cur)
	return time.Duration(math.Ceil(float64(start+c.perNs-ns) + max(at, 0)*float64(c.perNs))), false
}

// remaining is what is left after the requests counted so far.
func (c *rateCounter) remaining(ns int64) int {
	return max(0, int(math.Floor(float64(c.requests)-c.estimate(ns))))
}

// resetSeconds is the whole seconds until the current window ends (at
// least 1).
func (c *rateCounter) resetSeconds(ns int64) int {
	end := (c.win + 1) * c.perNs
	return max(1, int((end-ns+int64(time.Second)-1)/int64(time.Second)))
}

// budgetFor is how many requests this instance may accept before its
// next sync: half of what it believes is left (at least one), so two
// instances that both believe the same never overshoot together, and
// more instances overshoot by a bounded share (docs/rate-limits.md).
func (l *rateLimiter) budgetFor(c *rateCounter, ns int64) int64 {
	if !l.shared {
		return math.MaxInt64
	}
	left := float64(c.requests) - c.estimate(ns)
	return max(1, int64(math.Ceil(left/2)))
}

// evictIdleLocked drops the counters whose last request is more than two
// of their windows ago (they would count nothing) and that have nothing
// left to sync.
func evictIdleLocked(sh *rateShard, ns int64) {
	for k, c := range sh.m {
		if ns-c.seen > 2*c.perNs && c.pending == 0 && c.oldPending == 0 {
			delete(sh.m, k)
		}
	}
}

// coldBudget is the budget of a counter this instance has not synced in
// its current window (a new key, or a new window): it knows nothing of
// what the other instances counted there, so it takes half of what is
// left prorated to one sync interval of the window, which is what it
// would take at an even rate until the next sync tells it more — but at
// least a tenth of what is left (and one request), so a client's short
// burst on a long window is not refused while the first sync is on its
// way.
func (l *rateLimiter) coldBudget(c *rateCounter, ns int64) int64 {
	if !l.shared {
		return math.MaxInt64
	}
	left := float64(c.requests) - c.estimate(ns)
	share := max(left/2*float64(l.interval.Load())/float64(c.perNs), left/10)
	return max(1, int64(math.Ceil(share)))
}
