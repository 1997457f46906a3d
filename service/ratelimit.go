package service

import (
	"sync"
	"time"

	"tokenmint"
)

// limiter counts failures per key in a fixed window. It guards password
// logins against guessing; a success does not reset the count so an
// attacker cannot interleave a known good login to keep guessing.
type limiter struct {
	clock  tokenmint.Clock
	max    int
	window time.Duration

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newLimiter(clock tokenmint.Clock, max int, w time.Duration) *limiter {
	return &limiter{clock: clock, max: max, window: w, windows: map[string]*window{}}
}

// Blocked reports whether key has used up its failures, and for how long.
func (l *limiter) Blocked(key string) (bool, time.Duration) { return l.BlockedAfter(key, l.max) }

// BlockedAfter is Blocked with a limit of max failures per window instead
// of the limiter's own (a tenant's policy).
func (l *limiter) BlockedAfter(key string, max int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	w, ok := l.windows[key]
	if !ok || now.Sub(w.start) >= l.window {
		return false, 0
	}
	if w.count >= max {
		return true, w.start.Add(l.window).Sub(now)
	}
	return false, 0
}

// Fail counts one failure for key.
func (l *limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	w, ok := l.windows[key]
	if !ok || now.Sub(w.start) >= l.window {
		if len(l.windows) > 100_000 {
			l.windows = map[string]*window{} // bound memory under a spray
		}
		l.windows[key] = &window{start: now, count: 1}
		return
	}
	w.count++
}
