package service

import (
	"context"
	"sync"
	"time"

	"tokenmint"
)

// ChangePolicy: a tenant's policy changed (Change.TenantID).
const ChangePolicy = "policy"

// clientEntry is a client credential with its application, as client
// authentication reads them: an OAuth2 client that authenticates on every
// call (introspection, a token per job) costs one HMAC, not two reads. A
// credential revoked, or its application changed, disabled or deleted,
// drops the entry (ChangeApplication).
type clientEntry struct {
	cred   *tokenmint.ClientCredential
	app    *tokenmint.Application
	filled int64
}

type policyEntry struct {
	pol    tokenmint.Policy
	filled int64
}

func (c *cache) client(clientID string) (clientEntry, bool) {
	c.mu.RLock()
	e, ok := c.clients[clientID]
	c.mu.RUnlock()
	return e, ok && c.fresh(e.filled)
}

func (c *cache) putClient(gen uint64, clientID string, e clientEntry) {
	e.filled = c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if len(c.clients) >= c.max {
		c.clients = map[string]clientEntry{}
	}
	c.clients[clientID] = e
}

// dropClientsOfLocked forgets the cached credentials of an application.
func (c *cache) dropClientsOfLocked(appID string) {
	for id, e := range c.clients {
		if e.app.ID == appID {
			delete(c.clients, id)
		}
	}
}

func (c *cache) policy(tenantID string) (tokenmint.Policy, bool) {
	c.mu.RLock()
	e, ok := c.policies[tenantID]
	c.mu.RUnlock()
	return e.pol, ok && c.fresh(e.filled)
}

func (c *cache) putPolicy(gen uint64, pol tokenmint.Policy) {
	filled := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if len(c.policies) >= c.max {
		c.policies = map[string]policyEntry{}
	}
	c.policies[pol.TenantID] = policyEntry{pol: pol, filled: filled}
}

// tenantPolicy reads a tenant's policy through the cache.
func (s *Service) tenantPolicy(ctx context.Context, tenantID string) (tokenmint.Policy, error) {
	if pol, ok := s.cache.policy(tenantID); ok {
		return pol, nil
	}
	gen := s.cache.generation()
	pol, err := s.store.PolicyByTenant(ctx, tenantID)
	if err != nil {
		return pol, err
	}
	s.cache.putPolicy(gen, pol)
	return pol, nil
}

// clientByID reads a client credential and its application through the
// cache. ENOTFOUND when either is gone.
func (s *Service) clientByID(ctx context.Context, clientID string) (*tokenmint.ClientCredential, *tokenmint.Application, error) {
	if e, ok := s.cache.client(clientID); ok {
		return e.cred, e.app, nil
	}
	gen := s.cache.generation()
	c, err := s.store.ClientCredentialByClientID(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	app, err := s.store.ApplicationByID(ctx, c.TenantID, c.ApplicationID)
	if err != nil {
		return c, nil, err
	}
	s.cache.putClient(gen, clientID, clientEntry{cred: c, app: app})
	return c, app, nil
}

// credentialTouches remembers, per credential ID, when this instance last
// recorded its use, since a cached credential's LastUsedAt is the one read.
type credentialTouches struct{ m sync.Map } // ID → time.Time

func (t *credentialTouches) due(c *tokenmint.ClientCredential, now time.Time) bool {
	last := c.LastUsedAt
	if v, ok := t.m.Load(c.ID); ok {
		lt := v.(time.Time)
		last = &lt
	}
	return last == nil || now.Sub(*last) >= credentialTouchEvery
}

func (t *credentialTouches) done(id string, now time.Time) { t.m.Store(id, now) }
