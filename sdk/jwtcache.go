package sdk

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultJWTCacheSize is how many verified JWTs a Verifier keeps by
// default (Config.JWTCacheSize); each costs well under a kilobyte.
const DefaultJWTCacheSize = 10_000

// jwtKey is the SHA-256 of a compact JWT. The cache is keyed by it, never
// by the token (a heap dump of the cache yields no usable bearer token),
// and compares all 32 bytes: finding a different token with the same key
// means finding a SHA-256 collision (or a second preimage of a token
// someone else holds), so a forged or tampered token cannot be served
// another token's verified claims. A tampered token hashes elsewhere,
// misses, fails its signature check, and is never stored: only tokens
// that passed every offline check enter the cache.
type jwtKey [32]byte

// jwtEntry is a JWT that passed the offline checks (signature, typ, iss,
// aud, tenant, times), with what a request needs to be answered from it.
// Everything but ref and answer is immutable once the entry is stored.
type jwtEntry struct {
	key jwtKey
	// from and until bound when the token is valid, in Unix nanoseconds:
	// from <= now < until (until is exp, with no leeway).
	from, until int64
	// signer is the JWKS key that verified it; once the JWKS stops
	// publishing that key (signer.gone), the entry is dead.
	signer *publicKey
	// offline is the identity as the token's own claims describe it, its
	// permissions the scope; shared by every request it answers. Its
	// ExpiresAt points at exp. (One allocation holds all three.)
	offline Identity
	exp     time.Time
	// answer is the server's latest word on the token when revocation is
	// checked (Config.OfflineJWT false), reused until its own until.
	answer atomic.Pointer[serverAnswer]
	// ref is CLOCK's "used since the hand last passed" bit.
	ref atomic.Bool
	// slot is the entry's index in its shard's ring (under the shard's mu).
	slot int
}

// serverAnswer is what the server said about a JWT, valid until until
// (Unix nanoseconds): the identity with the permissions its owner holds
// now, or a refusal.
type serverAnswer struct {
	id    *Identity
	err   error
	until int64
}

// live reports whether the entry may still answer at now (Unix ns).
func (e *jwtEntry) live(now int64) bool {
	return e.from <= now && now < e.until && !e.signer.gone.Load()
}

// jwtCache is a bounded, sharded map of verified JWTs. Each shard evicts
// with CLOCK (second chance): a ring of its entries and a hand that skips
// (and clears) the ones used since it last passed, and takes the first
// dead or unused one. A hit takes a shard's read lock and sets one bit at
// most; an insertion moves the hand a few slots on average and never scans
// the whole cache. The bound is exact: at most size entries in all.
type jwtCache struct {
	shards []jwtShard
	mask   uint64
}

type jwtShard struct {
	mu   sync.RWMutex
	m    map[jwtKey]*jwtEntry
	ring []*jwtEntry // len = the shard's share of the bound; nil = free
	hand int
	_    [64]byte // keeps shards' locks off one cache line
}

// maxShards is the most shards a cache splits into: enough that the cores
// of a big machine rarely wait on one lock.
const maxShards = 64

// newJWTCache returns a cache of at most size entries (size > 0).
func newJWTCache(size int) *jwtCache {
	n := 1
	for n*2 <= min(size, maxShards) {
		n *= 2
	}
	c := &jwtCache{shards: make([]jwtShard, n), mask: uint64(n - 1)}
	for i := range c.shards {
		share := size / n
		if i < size%n {
			share++
		}
		c.shards[i] = jwtShard{m: make(map[jwtKey]*jwtEntry), ring: make([]*jwtEntry, share)}
	}
	return c
}

// SHA-256 output is uniform, so its first bytes pick a shard evenly.
func (c *jwtCache) shard(k *jwtKey) *jwtShard {
	return &c.shards[binary.LittleEndian.Uint64(k[:8])&c.mask]
}

// get returns the entry for the key, or nil. The caller checks live.
func (c *jwtCache) get(k *jwtKey) *jwtEntry {
	s := c.shard(k)
	s.mu.RLock()
	e := s.m[*k]
	s.mu.RUnlock()
	if e != nil && !e.ref.Load() {
		e.ref.Store(true) // written only when clear: hot entries stay read-only
	}
	return e
}

// put stores e, replacing an entry of the same key, evicting one when the
// shard is full. now (Unix ns) tells dead entries, which go first.
func (c *jwtCache) put(e *jwtEntry, now int64) {
	s := c.shard(&e.key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.m[e.key]; old != nil {
		e.slot = old.slot
		s.ring[e.slot], s.m[e.key] = e, e
		return
	}
	// Two turns of the hand at most: the first clears every ref bit, and
	// should hits set them again meanwhile, the last slot is taken anyway.
	turns := 2 * len(s.ring)
	for try := range turns {
		i := s.hand
		s.hand = (s.hand + 1) % len(s.ring)
		v := s.ring[i]
		if v != nil && v.live(now) && v.ref.Load() && try < turns-1 {
			v.ref.Store(false)
			continue
		}
		if v != nil {
			delete(s.m, v.key)
		}
		e.slot = i
		s.ring[i], s.m[e.key] = e, e
		return
	}
}

// remove drops e if it is still the entry of its key.
func (c *jwtCache) remove(e *jwtEntry) {
	s := c.shard(&e.key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[e.key] == e {
		delete(s.m, e.key)
		s.ring[e.slot] = nil
	}
}

// len counts the entries (for tests).
func (c *jwtCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
