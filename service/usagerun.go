package service

import (
	"context"
	"runtime"
	"time"
)

// UsageWriteBudget is the share of one core's time the usage write-back
// may take. A flush costs a store write per (token, IP) pair it writes:
// the new pairs, and the pairs due again after UsageRewriteHorizon. After
// a flush that cost c, the next waits until c/UsageWriteBudget has passed
// since it began, so a burst of new pairs (a restart with a million tokens
// in use) never takes more than this share of a core; the price is
// freshness while the burst lasts.
//
// The cost is the flush's CPU time where the OS measures a thread's (Linux),
// its wall-clock time elsewhere. Wall-clock time misjudges it under load:
// a scheduler saturated by requests stretched a flush's wall time about
// twelvefold, so a budget counted on it wrote a million first uses in over
// half an hour instead of minutes.
const UsageWriteBudget = 0.1

// UsageStoreShare is the share of wall-clock time the write-back may hold
// the store: after a flush that took d, the next waits at least
// d/UsageStoreShare - d. On SQLite a flush holds the database's only
// writer, and on PostgreSQL its work is in the server, not in this
// process's CPU time; either way other writers get at least the rest.
const UsageStoreShare = 0.5

// Run writes what is due (FlushDue) every interval, or early when many new
// pairs wait or a batch was left by the MaxUsageBatch cap, until ctx ends;
// the caller flushes everything (Flush) once more after shutdown. A flush
// never comes sooner than UsageWriteBudget and UsageStoreShare allow after
// the last one, a full buffer included: past its hard limit uses of new
// pairs are dropped and counted (Dropped) rather than the write-back taking
// over the server.
//
// Run keeps its goroutine on one OS thread so that the thread's CPU time
// is the flush's (threadCPUTime); the thread sleeps between flushes.
func (b *UsageBuffer) Run(ctx context.Context, interval time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wait := interval
	var rest time.Duration // the least wait the budgets ask for
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
		cpu0, measured := threadCPUTime()
		if err := b.FlushDue(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("usage flush failed; will retry", "err", err)
		}
		took := time.Since(t0)
		cost := took
		if cpu1, ok := threadCPUTime(); measured && ok {
			cost = cpu1 - cpu0
		}
		rest = flushRest(took, cost)
		wait = max(interval, rest)
		if b.Backlog() {
			wait = max(rest, time.Millisecond) // the next batch as soon as the budgets allow
		}
	}
}

// flushRest is the least wait after a flush that took took of wall-clock
// time and cost cost: what UsageWriteBudget asks (cost/budget since the
// flush began) or what UsageStoreShare asks, whichever is longer.
func flushRest(took, cost time.Duration) time.Duration {
	byCost := time.Duration(float64(cost)/UsageWriteBudget) - took
	byHold := time.Duration(float64(took)/UsageStoreShare) - took
	return max(byCost, byHold, 0)
}
