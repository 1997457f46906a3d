package service

import (
	"context"
	"time"
)

// UsageWriteBudget is the share of wall-clock time the usage write-back
// may take. A flush costs a store write per (token, IP) pair it writes:
// the new pairs, and the pairs due again after UsageRewriteHorizon. After
// a flush that took d, the next waits at least d/UsageWriteBudget - d, so
// a burst of new pairs (a restart with a million tokens in use) never
// takes more than this share of one core; the price is freshness while
// the burst lasts.
const UsageWriteBudget = 0.1

// Run writes what is due (FlushDue) every interval, or early when many new
// pairs wait or a batch was left by the MaxUsageBatch cap, until ctx ends; the caller flushes everything (Flush) once
// more after shutdown. A flush never comes
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
		if err := b.FlushDue(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("usage flush failed; will retry", "err", err)
		}
		took := time.Since(t0)
		rest = time.Duration(float64(took)/UsageWriteBudget) - took
		wait = max(interval, rest)
		if b.Backlog() {
			wait = max(rest, time.Millisecond) // the next batch as soon as the budget allows
		}
	}
}
