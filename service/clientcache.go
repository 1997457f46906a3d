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
	cred *tokenmint.ClientCredential
	app  *tokenmint.Application
}

// dropClientsOfLocked forgets the cached credentials of an application.
func (c *cache) dropClientsOfLocked(appID string) {
	for id, e := range c.clients {
		if e.v.app.ID == appID {
			delete(c.clients, id)
		}
	}
}

// tenantPolicy reads a tenant's policy through the cache.
func (s *Service) tenantPolicy(ctx context.Context, tenantID string) (tokenmint.Policy, error) {
	if pol, _, ok := lookup(s.cache, &s.cache.policies, tenantID); ok {
		return pol, nil
	}
	gen := s.cache.generation()
	pol, err := s.store.PolicyByTenant(ctx, tenantID)
	if err != nil {
		return pol, err
	}
	store(s.cache, gen, &s.cache.policies, tenantID, pol)
	return pol, nil
}

// clientByID reads a client credential and its application through the
// cache. ENOTFOUND when either is gone.
func (s *Service) clientByID(ctx context.Context, clientID string) (*tokenmint.ClientCredential, *tokenmint.Application, error) {
	if e, _, ok := lookup(s.cache, &s.cache.clients, clientID); ok {
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
	store(s.cache, gen, &s.cache.clients, clientID, clientEntry{cred: c, app: app})
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
