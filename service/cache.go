package service

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"tokenmint"
)

// Change names something that changed, so every cached view of it is
// dropped — on this instance at once and, through Config.Broadcast, on the
// others.
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

// secretEntry is the cached answer of Store.TokenBySecret.
type secretEntry struct {
	token      *tokenmint.Token
	validUntil *time.Time
	// blocks are the token's blocked IP ranges; blocking or unblocking is
	// a token change, so it drops this entry.
	blocks []netip.Prefix
}

// cache is the in-memory view of token state that the verify path reads.
// Every change invalidates what it touches. A generation counter closes the
// race where a reader loads a row from the store just before a change
// commits and would otherwise put the stale row back after invalidation.
type cache struct {
	mu        sync.RWMutex
	gen       uint64
	bySecret  map[string]secretEntry
	secretsOf map[string][]string // token ID → secret keys
	grants    map[string]tokenmint.Grants
	projects  map[string]string // tenant \x00 id-or-name → project ID
}

func newCache() *cache {
	c := &cache{}
	c.reset()
	return c
}

func (c *cache) reset() {
	c.bySecret = map[string]secretEntry{}
	c.secretsOf = map[string][]string{}
	c.grants = map[string]tokenmint.Grants{}
	c.projects = map[string]string{}
}

func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *cache) secret(key string) (secretEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.bySecret[key]
	return e, ok
}

func (c *cache) putSecret(gen uint64, key string, e secretEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.bySecret) >= maxCacheEntries {
		c.bySecret = map[string]secretEntry{}
		c.secretsOf = map[string][]string{}
	}
	c.bySecret[key] = e
	c.secretsOf[e.token.ID] = append(c.secretsOf[e.token.ID], key)
}

func (c *cache) grantsOf(key string) (tokenmint.Grants, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, ok := c.grants[key]
	return g, ok
}

func (c *cache) putGrants(gen uint64, key string, g tokenmint.Grants) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.grants) >= maxCacheEntries {
		c.grants = map[string]tokenmint.Grants{}
	}
	c.grants[key] = g
}

func (c *cache) project(key string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.projects[key]
	return id, ok
}

func (c *cache) putProject(gen uint64, key, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.projects) >= maxCacheEntries {
		c.projects = map[string]string{}
	}
	c.projects[key] = id
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
		c.grants = map[string]tokenmint.Grants{}
		c.projects = map[string]string{}
	default:
		c.reset()
	}
}

func grantsKey(kind, tenantID, id string) string { return kind + "\x00" + tenantID + "\x00" + id }

// Invalidate applies a change announced by another instance.
func (s *Service) Invalidate(ch Change) { s.cache.Invalidate(ch) }

// changed invalidates the local view and tells the other instances.
func (s *Service) changed(ctx context.Context, ch Change) {
	s.cache.Invalidate(ch)
	if s.cfg.Broadcast != nil {
		s.cfg.Broadcast(ctx, ch)
	}
}
