package service

import (
	"context"
	"runtime"
	"time"

	"tokenmint/secret"
)

// DefaultPasswordHashMemory is the memory budget of concurrent password
// checks (Config.PasswordHashMemory): with argon2id at 46 MiB a check, 5
// at once, and never more than the cores.
const DefaultPasswordHashMemory = 256 << 20

// passwordCheckWait is how long a password check waits for a free slot
// before the request is refused (429 with Retry-After).
const passwordCheckWait = time.Second

// hashGate bounds concurrent password hashing over the whole service: one
// burst of logins must not hold more than the budget of argon2 memory, nor
// starve the verify path of CPU.
type hashGate struct {
	slots chan struct{}
	wait  time.Duration
}

// passwordCheckSlots is max(1, min(GOMAXPROCS, budget/memory of a check)),
// memKiB being the argon2 memory of a check in KiB: the larger of the
// default and the configured parameters, since stored hashes may have
// either.
func passwordCheckSlots(budget int64, memKiB uint32) int {
	per := int64(memKiB) << 10
	n := runtime.GOMAXPROCS(0)
	if per > 0 && budget/per < int64(n) {
		n = int(budget / per)
	}
	return max(1, n)
}

func newHashGate(slots int, wait time.Duration) *hashGate {
	return &hashGate{slots: make(chan struct{}, slots), wait: wait}
}

// run runs f in a slot, waiting up to g.wait for one; when none frees up
// it answers *RateLimitError and f does not run.
func (g *hashGate) run(ctx context.Context, f func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return &RateLimitError{RetryAfter: time.Second, Reason: "the server is busy checking other passwords; try again in a moment"}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	f()
	return nil
}

// verifyPassword checks pw against hash in a slot of the gate; hash ""
// spends the time of a check without one (unknown tenant or user).
func (s *Service) verifyPassword(ctx context.Context, hash, pw string) (bool, error) {
	ok := false
	err := s.hashes.run(ctx, func() {
		if hash == "" {
			secret.BurnPasswordCheck(pw)
			return
		}
		ok = secret.VerifyPassword(hash, pw)
	})
	return ok, err
}
