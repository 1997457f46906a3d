package service

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Limits of the unauthenticated paths, per minute. They are counted in the
// store (tokenmint.AttemptStore), so every instance on one database shares
// them: two instances allow each limit once, not twice.
//
// Password logins and the password grant count attempts, reserved before
// the password is hashed and given back when the password was right, so a
// burst of concurrent guesses is cut at the limit and only failures stay
// counted. The counts are, in this order:
//
//   - per user and client IP: the tenant policy's login_failures_per_minute
//     (default 10). This is what stops one client guessing one password.
//   - per client IP, across users and tenants: the same limit (of the
//     tenant named). One client cannot spray passwords over many accounts
//     or tenants. Clients behind one address (NAT) share it: one of them
//     failing ten times a minute delays the others' logins, not their
//     tokens; this is the price of stopping a spray.
//   - per user, across IPs: loginUserCeilingFactor times the policy's
//     limit. Guessing from many addresses is bounded too, while a spray of
//     wrong passwords from other IPs below that ceiling leaves the owner,
//     at their own IP, free to sign in. Past it, `tokenmint user
//     set-password` (on the server's database) resets the password and
//     clears the user's counts.
//
// A client IP is counted by throttleKey (IPv6 by its /64).
const (
	attemptWindow          = time.Minute
	loginUserCeilingFactor = 10
	// clientFailuresPerMinute bounds failed client authentications per
	// client ID and IP, and per IP.
	clientFailuresPerMinute = 10
)

// attemptKey builds a store key from a kind and parts, each escaped so no
// part can contain the separator or text a database refuses (NUL, invalid
// UTF-8): the key is plain ASCII. The trailing space lets a prefix of
// whole parts select exactly those keys (ClearAttempts).
func attemptKey(kind string, parts ...string) string {
	// PathEscape gives p itself when nothing needs escaping, so sizing the
	// key first costs a scan, and the key one allocation instead of a
	// growing builder's several.
	n := len(kind) + len(parts) + 1
	for _, p := range parts {
		n += len(url.PathEscape(p))
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteByte(' ')
		b.WriteString(url.PathEscape(p))
	}
	b.WriteByte(' ')
	return b.String()
}

// limitKey is a key with its limit per attemptWindow.
type limitKey struct {
	key string
	max int
}

// reservation is a set of counted attempts that a success gives back.
type reservation struct {
	keys   []string
	starts []time.Time
}

// reserveAttempt counts one attempt against each key in order and refuses
// with *RateLimitError at the first key over its limit. A refused attempt
// is given back on every key (the count stays at the limit, whatever the
// flood) and never reaches the keys after the one that refused it: callers
// put the caller's own keys (user and IP, IP) before shared ones (the
// user's ceiling), so a client past its own limit cannot use up a limit it
// shares with others.
func (s *Service) reserveAttempt(ctx context.Context, keys ...limitKey) (*reservation, error) {
	now := s.Now()
	s.pruneAttempts(ctx, now)
	r := &reservation{}
	for _, k := range keys {
		n, start, err := s.store.CountAttempt(ctx, k.key, attemptWindow, now)
		if err != nil {
			return nil, err
		}
		if n > k.max {
			// A refused attempt is not counted: the count stays at the
			// limit, so the attempts given back later free the way.
			r.keys, r.starts = append(r.keys, k.key), append(r.starts, start)
			s.release(ctx, r)
			return nil, &RateLimitError{RetryAfter: max(start.Add(attemptWindow).Sub(now), time.Second)}
		}
		r.keys, r.starts = append(r.keys, k.key), append(r.starts, start)
	}
	return r, nil
}

// release gives the attempts of a success back. A failure to do so only
// leaves the attempt counted, so it is logged, not returned.
func (s *Service) release(ctx context.Context, r *reservation) {
	for i, k := range r.keys {
		if err := s.store.UncountAttempt(ctx, k, r.starts[i]); err != nil {
			s.log.Warn("giving back a counted attempt failed", "err", err)
		}
	}
}

// pruneAttempts forgets ended windows, at most once a window per instance.
func (s *Service) pruneAttempts(ctx context.Context, now time.Time) {
	last := s.attemptsPruned.Load()
	if now.UnixNano()-last < int64(attemptWindow) || !s.attemptsPruned.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if _, err := s.store.PruneAttempts(ctx, now.Add(-attemptWindow)); err != nil {
		s.log.Warn("forgetting ended attempt windows failed", "err", err)
	}
}

// failureBlocks mirrors in memory the limits a failure count found used
// up, so that once a key is blocked this instance refuses it without a
// store read, and a success never touches the store (client
// authentication, called on every introspection by a resource server).
type failureBlocks struct {
	mu     sync.Mutex
	until  map[string]time.Time
	pruned time.Time
}

// blocked reports whether key is blocked at now, and for how long.
func (b *failureBlocks) blocked(key string, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if u, ok := b.until[key]; ok && now.Before(u) {
		return true, u.Sub(now)
	}
	return false, 0
}

// block records that key is blocked until until.
func (b *failureBlocks) block(key string, until, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = map[string]time.Time{}
	}
	if now.Sub(b.pruned) >= attemptWindow {
		for k, u := range b.until {
			if !now.Before(u) {
				delete(b.until, k)
			}
		}
		b.pruned = now
	}
	if len(b.until) < maxLimiterKeys {
		b.until[key] = until
	}
}

// failureBlocked checks keys against the in-memory blocks first.
func (s *Service) failureBlocked(keys []limitKey) error {
	now := s.Now()
	for _, k := range keys {
		if blocked, wait := s.failBlocks.blocked(k.key, now); blocked {
			return &RateLimitError{RetryAfter: wait}
		}
	}
	return nil
}

// countFailure counts a failure against each key in the store; a key past
// its limit is blocked on this instance until its window ends and the
// failure answers *RateLimitError.
func (s *Service) countFailure(ctx context.Context, keys []limitKey) error {
	now := s.Now()
	s.pruneAttempts(ctx, now)
	var over error
	for _, k := range keys {
		n, start, err := s.store.CountAttempt(ctx, k.key, attemptWindow, now)
		if err != nil {
			return err
		}
		if n >= k.max {
			end := start.Add(attemptWindow)
			s.failBlocks.block(k.key, end, now)
			if n > k.max && over == nil {
				over = &RateLimitError{RetryAfter: max(end.Sub(now), time.Second)}
			}
		}
	}
	return over
}
