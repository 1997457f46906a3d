package service

import (
	"net/netip"
	"sync"
	"time"

	"tokenmint"
)

// maxLimiterKeys bounds the memory of a limiter under a spray of distinct
// keys (user names, client IDs, IPs).
const maxLimiterKeys = 100_000

// limiter counts failures per key in a fixed window. It guards password
// logins against guessing; a success does not reset the count so an
// attacker cannot interleave a known good login to keep guessing.
type limiter struct {
	clock  tokenmint.Clock
	max    int
	window time.Duration

	mu      sync.Mutex
	windows map[string]*window
	// order lists keys by the start of their window, oldest first, so
	// expired windows are dropped in order without scanning the map.
	order []keyStart
}

type window struct {
	start time.Time
	count int
}

type keyStart struct {
	key   string
	start time.Time
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

// Fail counts one failure for key. When maxLimiterKeys windows are open
// at once, a failure of a new key is not counted: a flood of new keys
// must never push out the windows that hold a lockout in force.
func (l *limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if w, ok := l.windows[key]; ok && now.Sub(w.start) < l.window {
		w.count++
		return
	}
	l.dropExpired(now)
	if len(l.windows) >= maxLimiterKeys {
		return
	}
	l.windows[key] = &window{start: now, count: 1}
	l.order = append(l.order, keyStart{key, now})
}

// dropExpired forgets the windows that ended before now, oldest first.
func (l *limiter) dropExpired(now time.Time) {
	n := 0
	for _, ks := range l.order {
		if now.Sub(ks.start) < l.window {
			break
		}
		// The key may have a newer window than this entry (it expired and
		// restarted); only the window this entry started is dropped.
		if w, ok := l.windows[ks.key]; ok && w.start.Equal(ks.start) {
			delete(l.windows, ks.key)
		}
		n++
	}
	clear(l.order[:n]) // let the dropped keys be collected
	l.order = l.order[n:]
}

// throttleKey is the part of a client IP that throttles count by: an IPv4
// address, or the /64 of an IPv6 one, since a single client commonly holds
// a whole /64 and could otherwise spray its addresses past every limit.
func throttleKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}
