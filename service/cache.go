package service

import (
	"context"
	"encoding/json"
	"net/netip"
	"sync"
	"time"

	"tokenmint"
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
)

// maxCacheEntries bounds each map; past it the map is simply emptied, which
// costs a few store reads and keeps memory flat under a flood of tokens.
const maxCacheEntries = 200_000

// DefaultCacheTTL is how long a cached entry is trusted unless
// Config.CacheTTL says otherwise.
const DefaultCacheTTL = 30 * time.Second

// secretEntry is the cached answer of Store.TokenBySecret.
type secretEntry struct {
	token      *tokenmint.Token
	validUntil *time.Time
	// blocks are the token's blocked IP ranges; blocking or unblocking is
	// a token change, so it drops this entry.
	blocks []netip.Prefix
	filled time.Time // set by putSecret
}

type grantsEntry struct {
	grants tokenmint.Grants
	filled time.Time
}

type projectEntry struct {
	id     string
	filled time.Time
}

// cache is the in-memory view of token state that the verify path reads.
// Every change invalidates what it touches. A generation counter closes the
// race where a reader loads a row from the store just before a change
// commits and would otherwise put the stale row back after invalidation.
//
// Invalidations from other instances arrive over PostgreSQL NOTIFY, sent
// inside the transaction of each change and delivered at its commit; a
// listener that was disconnected meanwhile misses them (it drops
// everything when it reconnects), so no entry is trusted for longer than
// ttl after it was filled: then it is read from the store again. That
// bounds how long an instance that missed a revocation (a listener wedged
// without noticing) keeps accepting the token.
type cache struct {
	mu        sync.RWMutex
	gen       uint64
	clock     tokenmint.Clock
	ttl       time.Duration
	bySecret  map[string]secretEntry
	secretsOf map[string][]string // token ID → secret keys
	grants    map[string]grantsEntry
	projects  map[string]projectEntry // tenant \x00 id-or-name → project ID
}

// newCache returns an empty cache whose entries are trusted for ttl
// (DefaultCacheTTL when 0; nothing is cached when negative).
func newCache(clock tokenmint.Clock, ttl time.Duration) *cache {
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	c := &cache{clock: clock, ttl: ttl}
	c.reset()
	return c
}

func (c *cache) reset() {
	c.bySecret = map[string]secretEntry{}
	c.secretsOf = map[string][]string{}
	c.grants = map[string]grantsEntry{}
	c.projects = map[string]projectEntry{}
}

// fresh reports whether an entry filled at the given time may still be
// trusted. A clock that went back counts as stale too.
func (c *cache) fresh(filled time.Time) bool {
	age := c.clock.Now().Sub(filled)
	return age >= 0 && age < c.ttl
}

func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *cache) secret(key string) (secretEntry, bool) {
	c.mu.RLock()
	e, ok := c.bySecret[key]
	c.mu.RUnlock()
	return e, ok && c.fresh(e.filled)
}

func (c *cache) putSecret(gen uint64, key string, e secretEntry) {
	e.filled = c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if len(c.bySecret) >= maxCacheEntries {
		c.bySecret = map[string]secretEntry{}
		c.secretsOf = map[string][]string{}
	}
	if _, refill := c.bySecret[key]; !refill {
		c.secretsOf[e.token.ID] = append(c.secretsOf[e.token.ID], key)
	}
	c.bySecret[key] = e
}

func (c *cache) grantsOf(key string) (tokenmint.Grants, bool) {
	c.mu.RLock()
	e, ok := c.grants[key]
	c.mu.RUnlock()
	return e.grants, ok && c.fresh(e.filled)
}

func (c *cache) putGrants(gen uint64, key string, g tokenmint.Grants) {
	filled := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if len(c.grants) >= maxCacheEntries {
		c.grants = map[string]grantsEntry{}
	}
	c.grants[key] = grantsEntry{grants: g, filled: filled}
}

func (c *cache) project(key string) (string, bool) {
	c.mu.RLock()
	e, ok := c.projects[key]
	c.mu.RUnlock()
	return e.id, ok && c.fresh(e.filled)
}

func (c *cache) putProject(gen uint64, key, id string) {
	filled := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if len(c.projects) >= maxCacheEntries {
		c.projects = map[string]projectEntry{}
	}
	c.projects[key] = projectEntry{id: id, filled: filled}
}

// Invalidate drops everything cached about ch.
func (c *cache) Invalidate(ch Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch ch.Kind {
	case ChangeToken:
		for _, k := range c.secretsOf[ch.ID] {
			delete(c.bySecret, k)
		}
		delete(c.secretsOf, ch.ID)
	case ChangeUser:
		delete(c.grants, grantsKey(tokenmint.OwnerUser, ch.TenantID, ch.ID))
	case ChangeApplication:
		delete(c.grants, grantsKey(tokenmint.OwnerApplication, ch.TenantID, ch.ID))
	case ChangeProject:
		// Memberships hang off projects: drop grants and project lookups.
		c.grants = map[string]grantsEntry{}
		c.projects = map[string]projectEntry{}
	default:
		c.reset()
	}
}

func grantsKey(kind, tenantID, id string) string { return kind + "\x00" + tenantID + "\x00" + id }

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
