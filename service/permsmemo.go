package service

import "tokenmint"

// permsKey names one computation of effective permissions: they depend on
// the token's type, owner and project and on the project a request names,
// not on the token itself, so all the tokens of one owner and type share
// an entry.
type permsKey struct {
	tenant, ownerKind, owner, typ, tokenProject, project string
}

// permsEntry is a memoised EffectivePermissions answer, valid while the
// grants it was computed from are the cached ones (same fill time).
type permsEntry struct {
	perms        tokenmint.PermissionSet
	sorted       []tokenmint.Permission
	grantsFilled int64
}

// permsMemo keeps effective permissions between verifications; every
// change empties it (cache.Invalidate), since a role, membership, project
// or token change can alter any of them.
type permsMemo struct {
	m map[permsKey]permsEntry
}

func (m *permsMemo) reset() { m.m = map[permsKey]permsEntry{} }

func (c *cache) permsOf(k *permsKey, grantsFilled int64) (permsEntry, bool) {
	c.mu.RLock()
	e, ok := c.perms.m[*k]
	c.mu.RUnlock()
	return e, ok && e.grantsFilled == grantsFilled
}

func (c *cache) putPerms(gen uint64, k *permsKey, e permsEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if len(c.perms.m) >= c.max {
		c.perms.reset()
	}
	c.perms.m[*k] = e
}
