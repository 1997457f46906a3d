package service

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// Change names something that changed, so every cached view of it is
// dropped — on this instance at once and, announced by the store inside
// the change's transaction (Service.announcing), on the others.
type Change struct {
	Kind     string `json:"kind"` // token, user, project, all
	TenantID string `json:"tenant_id"`
	ID       string `json:"id"`
}

// Change kinds.
const (
	ChangeToken   = "token"
	ChangeUser    = "user"
	ChangeProject = "project"
	// ChangeApplication: an application's access types or state changed.
	ChangeApplication = "application"
	ChangeAll         = "all"
	// ChangeWebhooks: a tenant's webhooks changed.
	ChangeWebhooks = "webhooks"
	// ChangeHeartbeat changes nothing: an instance sends it to itself to
	// confirm its change feed (Service.ConfirmChanges).
	ChangeHeartbeat = "heartbeat"
	// ChangeRateLimit: a token's or an owner's rate limit changed.
	ChangeRateLimit = "rate_limit"
)

// DefaultCacheEntries bounds each of the cache's maps unless
// Config.CacheEntries says otherwise: two million tokens in use stay cached
// (about 225 bytes each, BENCHMARKS.md), so verification keeps its speed
// from ten tokens to a million. Past the bound an eighth of the entries,
// taken at random, make room.
const DefaultCacheEntries = 2_000_000

// DefaultCacheTTL is how long a cached entry is trusted unless
// Config.CacheTTL says otherwise.
const DefaultCacheTTL = 30 * time.Second

// CacheTrust says why cached entries may be trusted (Config.CacheTrust).
type CacheTrust int

const (
	// TrustEntryAge trusts an entry for CacheTTL after it was read from
	// the store: the safe default for a store whose changes this service
	// may not hear of.
	TrustEntryAge CacheTrust = iota
	// TrustSoleWriter trusts entries until a change drops them: every
	// write to what verification caches passes through this service (the
	// embedded SQLite store, which one server process owns).
	TrustSoleWriter
	// TrustConfirmedFeed trusts entries while the change feed is confirmed
	// complete (Service.ConfirmChanges): an entry is stale once both its
	// read and the last confirmation are older than CacheTTL. With
	// PostgreSQL the listener confirms every second by a heartbeat it
	// sends itself, so a wedged listener stops the trust within CacheTTL
	// and a healthy one keeps a million entries warm without re-reading.
	TrustConfirmedFeed
)

type grantsKeyT struct{ kind, tenant, id string }

// secretKey is the first half of a secret's keyed hash (HMAC-SHA256 with
// the server's pepper), which is what the cache files a token under: half
// the bytes of a million keys, and still 128 bits that nobody without the
// pepper can aim at. The store is always searched with the whole hash.
type secretKey [16]byte

func secretKeyOf(hash *[secret.HashSize]byte) *secretKey { return (*secretKey)(hash[:16]) }

type projectKey struct{ tenant, key string }

// cache is the in-memory view of token state that the verify path reads.
// Every change invalidates what it touches. A generation counter closes the
// race where a reader loads a row from the store just before a change
// commits and would otherwise put the stale row back after invalidation.
//
// Invalidations from other instances arrive over PostgreSQL NOTIFY, sent
// inside the transaction of each change and delivered at its commit; a
// listener that was disconnected meanwhile misses them (it drops
// everything when it reconnects). How long an entry is trusted is the
// CacheTrust's rule; under TrustEntryAge no entry is trusted for longer
// than ttl after it was filled, which bounds how long an instance that
// missed a revocation keeps accepting the token.
type cache struct {
	mu        sync.RWMutex
	gen       uint64
	clock     tokenmint.Clock
	ttl       time.Duration
	trust     CacheTrust
	max       int
	confirmed atomic.Int64 // clock nanoseconds up to which the feed is complete
	// bySecret holds no pointer (packedToken), nor does secretOf: the
	// collector skips the million entries of a large cache. The few
	// tokens with IP rules or a rate limit of their own keep them in
	// extras.
	bySecret map[secretKey]packedToken
	extras   map[tokenKey]tokenExtras
	// secretOf and moreSecretsOf find a token's cached secrets when it
	// changes: one secret in the first map, those of a token with a rotated
	// secret in its grace period in the second.
	secretOf      map[tokenKey]secretKey
	moreSecretsOf map[tokenKey][]secretKey
	grants        timedMap[grantsKeyT, tokenmint.Grants]
	projects      timedMap[projectKey, string]
	perms         permsMemo
	// jwts are verified JWT access tokens by the SHA-256 of their text;
	// revokedJTIs the jtis revoked since (jwtcache.go).
	jwts        map[jwtKey]jwtEntry
	revokedJTIs map[string]struct{}
	// sources are the tokens JWTs from token exchange were obtained for,
	// by ID, checked on every use of such a JWT.
	sources timedMap[string, cachedToken]
	// clients and policies: clientcache.go.
	clients  timedMap[string, clientEntry]
	policies timedMap[string, tokenmint.Policy]
	// users are signed-in users by tenant and ID, for sessions.
	users timedMap[grantsKeyT, *tokenmint.User]
	// sessions are web sessions by cookie hash (sessioncache.go).
	sessions timedMap[sessionKey, *tokenmint.Session]
	// hooks are each tenant's webhooks, for knowing who subscribes.
	hooks timedMap[string, []*tokenmint.Webhook]
	// ownerLimits are the rate limits owners' tokens share (the zero
	// limit for none), one entry per owner; a token's own limit rides in
	// its cachedToken (ratelimits.go).
	ownerLimits timedMap[grantsKeyT, tokenmint.RateLimit]
}

// newCache returns an empty cache whose entries are trusted for ttl
// (DefaultCacheTTL when 0; nothing is cached when negative) under trust,
// holding at most max entries per map (DefaultCacheEntries when 0).
func newCache(clock tokenmint.Clock, ttl time.Duration, trust CacheTrust, max int) *cache {
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	if max <= 0 {
		max = DefaultCacheEntries
	}
	c := &cache{clock: clock, ttl: ttl, trust: trust, max: max}
	c.reset()
	return c
}

func (c *cache) reset() {
	c.bySecret = map[secretKey]packedToken{}
	c.extras = map[tokenKey]tokenExtras{}
	c.secretOf = map[tokenKey]secretKey{}
	c.moreSecretsOf = map[tokenKey][]secretKey{}
	c.grants = timedMap[grantsKeyT, tokenmint.Grants]{}
	c.projects = timedMap[projectKey, string]{}
	c.perms.reset()
	c.jwts = map[jwtKey]jwtEntry{}
	c.revokedJTIs = map[string]struct{}{}
	c.sources = timedMap[string, cachedToken]{}
	c.clients = timedMap[string, clientEntry]{}
	c.policies = timedMap[string, tokenmint.Policy]{}
	c.users = timedMap[grantsKeyT, *tokenmint.User]{}
	c.sessions = timedMap[sessionKey, *tokenmint.Session]{}
	c.hooks = timedMap[string, []*tokenmint.Webhook]{}
	c.ownerLimits = timedMap[grantsKeyT, tokenmint.RateLimit]{}
}

func (c *cache) now() int64 { return c.clock.Now().UnixNano() }

// fresh reports whether an entry filled at the given clock time may still
// be trusted. A clock that went back counts as stale too.
func (c *cache) fresh(filled int64) bool {
	switch c.trust {
	case TrustSoleWriter:
		return true
	case TrustConfirmedFeed:
		filled = max(filled, c.confirmed.Load())
	}
	age := c.now() - filled
	return age >= 0 && age < int64(c.ttl)
}

// confirm records that every change committed before t has been applied.
func (c *cache) confirm(t time.Time) {
	n := t.UnixNano()
	for {
		old := c.confirmed.Load()
		if n <= old || c.confirmed.CompareAndSwap(old, n) {
			return
		}
	}
}

func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *cache) secret(key *secretKey) (cachedToken, bool) {
	c.mu.RLock()
	p, ok := c.bySecret[*key]
	var x tokenExtras
	if ok && p.extras {
		x = c.extras[p.id]
	}
	c.mu.RUnlock()
	return cachedToken{packedToken: p, ip: x.ip, limit: x.limit}, ok && c.fresh(p.filled)
}

func (c *cache) putSecret(gen uint64, key *secretKey, e cachedToken) {
	e.filled = c.now()
	e.extras = e.ip != nil || e.limit != nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if _, refill := c.bySecret[*key]; !refill {
		if len(c.bySecret) >= c.max {
			c.evictSecretsLocked()
		}
		if first, ok := c.secretOf[e.id]; !ok {
			c.secretOf[e.id] = *key
		} else if first != *key {
			c.moreSecretsOf[e.id] = append(c.moreSecretsOf[e.id], *key)
		}
	}
	c.bySecret[*key] = e.packedToken
	if e.extras {
		c.extras[e.id] = e.extrasOf()
	} else {
		delete(c.extras, e.id)
	}
}

// evictSecretsLocked drops an eighth of the cached secrets, the first the
// map's randomised iteration meets, with the other secrets of their tokens.
func (c *cache) evictSecretsLocked() {
	n := max(1, len(c.bySecret)/8)
	for k, e := range c.bySecret {
		c.dropTokenLocked(e.id)
		delete(c.bySecret, k)
		if n--; n <= 0 {
			return
		}
	}
}

// dropTokenLocked forgets every cached secret of a token.
func (c *cache) dropTokenLocked(id tokenKey) {
	delete(c.extras, id)
	if k, ok := c.secretOf[id]; ok {
		delete(c.bySecret, k)
		delete(c.secretOf, id)
	}
	for _, k := range c.moreSecretsOf[id] {
		delete(c.bySecret, k)
	}
	delete(c.moreSecretsOf, id)
}

func (c *cache) grantsOf(key grantsKeyT) (tokenmint.Grants, int64, bool) {
	return lookup(c, &c.grants, key)
}

func (c *cache) putGrants(gen uint64, key grantsKeyT, g tokenmint.Grants) {
	store(c, gen, &c.grants, key, g)
}

func (c *cache) project(key projectKey) (string, bool) {
	id, _, ok := lookup(c, &c.projects, key)
	return id, ok
}

func (c *cache) putProject(gen uint64, key projectKey, id string) {
	store(c, gen, &c.projects, key, id)
}

// Invalidate drops everything cached about ch. Every change also drops
// the memo of effective permissions, which depends on all of them.
func (c *cache) Invalidate(ch Change) {
	if ch.Kind == ChangeHeartbeat {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.perms.reset()
	switch ch.Kind {
	case ChangeToken:
		if k, ok := findTokenKey(ch.ID); ok {
			c.dropTokenLocked(k)
		}
		delete(c.sources, ch.ID)
	case ChangeAccessToken:
		c.revokeJTILocked(ch.ID)
	case ChangeUser:
		delete(c.grants, grantsKeyT{tokenmint.OwnerUser, ch.TenantID, ch.ID})
		delete(c.users, grantsKeyT{tokenmint.OwnerUser, ch.TenantID, ch.ID})
		c.dropSessionsOfLocked(ch.TenantID, ch.ID)
	case ChangeSessions:
		c.dropSessionsOfLocked(ch.TenantID, ch.ID)
	case ChangeApplication:
		delete(c.grants, grantsKeyT{tokenmint.OwnerApplication, ch.TenantID, ch.ID})
		c.dropClientsOfLocked(ch.ID)
	case ChangePolicy:
		delete(c.policies, ch.TenantID)
	case ChangeWebhooks:
		delete(c.hooks, ch.TenantID)
	case ChangeRateLimit:
		// The subject is a token (its limit rides in its cached secrets)
		// or an owner; IDs are global, so dropping all three is exact.
		if k, ok := findTokenKey(ch.ID); ok {
			c.dropTokenLocked(k)
		}
		delete(c.ownerLimits, grantsKeyT{tokenmint.OwnerUser, ch.TenantID, ch.ID})
		delete(c.ownerLimits, grantsKeyT{tokenmint.OwnerApplication, ch.TenantID, ch.ID})
	case ChangeProject:
		// Memberships hang off projects: drop grants and project lookups.
		c.grants = timedMap[grantsKeyT, tokenmint.Grants]{}
		c.projects = timedMap[projectKey, string]{}
	default:
		c.reset()
	}
}

// source returns the cached exchange source token with the given ID.
func (c *cache) source(id string) (cachedToken, bool) {
	e, _, ok := lookup(c, &c.sources, id)
	return e, ok
}

func (c *cache) putSource(gen uint64, e cachedToken) { store(c, gen, &c.sources, e.tokenID(), e) }

// Invalidate applies a change announced by another instance.
func (s *Service) Invalidate(ch Change) { s.cache.Invalidate(ch) }

// announcing returns ctx carrying ch for the one store write that makes
// the change: a store shared by several instances (PostgreSQL) announces
// it inside that write's transaction, so the others hear of it exactly
// when it commits (tokenmint.WithAnnouncement). After the write succeeded
// the caller calls changed, which drops this instance's view at once.
func (s *Service) announcing(ctx context.Context, ch Change) context.Context {
	payload, err := json.Marshal(ch)
	if err != nil {
		return ctx // a Change of three strings always marshals
	}
	return tokenmint.WithAnnouncement(ctx, string(payload))
}

// changed invalidates the local view after a write passed the change to
// the store through announcing; Broadcast, when set, also tells other
// instances (for a store that cannot announce within its transactions).
func (s *Service) changed(ctx context.Context, ch Change) {
	s.cache.Invalidate(ch)
	if s.cfg.Broadcast != nil {
		s.cfg.Broadcast(ctx, ch)
	}
}
