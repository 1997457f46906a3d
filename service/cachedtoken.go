package service

import (
	"net/netip"
	"time"

	"tokenmint"
)

// cachedToken is what verification keeps of a token: only what it reads.
// The cache's maps hold its packedToken, which has no pointer, so that a
// million tokens in use are a few hundred megabytes the garbage collector
// need not scan (BENCHMARKS.md measures the bytes per token); the rare IP
// rules and rate limit ride beside it in the cache (cache.extras) and come
// back with it.
type cachedToken struct {
	packedToken
	// ip holds the token's blocked IPs and allowed networks; nil, one
	// word, for the many tokens that have neither.
	ip *ipRules
	// limit is the token's own rate limit, nil for none (ratelimits.go):
	// an unlimited token costs the verify path this nil check.
	limit *tokenmint.RateLimit
}

// packedToken is a cached token without pointers. Strings that many tokens
// share (tenant, owner, type, project) are numbers in names; the ID is a
// tokenKey; times are seconds and nanoseconds. A token whose owner kind or
// stored status is not one of the known values is not cached at all
// (newCachedToken reports false).
type packedToken struct {
	id                          tokenKey
	extras                      bool // ip or limit is set (cache.extras)
	ownerKind, status           uint8
	tenant, owner, typ, project uint32
	maxUses                     int32
	uses                        int64
	createdSec                  int64
	expSec, validSec            int64
	expNsec, validNsec          int32 // -1: no expiry / a current secret
	filled                      int64 // clock nanoseconds when read from the store
}

// tokenExtras are what a cachedToken holds beside its packedToken.
type tokenExtras struct {
	ip    *ipRules
	limit *tokenmint.RateLimit
}

func (c *cachedToken) extrasOf() tokenExtras { return tokenExtras{c.ip, c.limit} }

// ipRules are what a token says about client IPs: the addresses it is
// blocked for, and the networks it is bound to (empty: anywhere).
type ipRules struct {
	blocks  []netip.Prefix
	allowed tokenmint.CIDRList
}

var (
	ownerKinds     = [...]string{tokenmint.OwnerUser, tokenmint.OwnerApplication}
	storedStatuses = [...]string{tokenmint.StatusActive, tokenmint.StatusInactive, tokenmint.StatusRevoked}
)

func indexOf(values []string, v string) (uint8, bool) {
	for i, x := range values {
		if x == v {
			return uint8(i), true
		}
	}
	return 0, false
}

// packTime splits t for cachedToken (nsec -1 for nil).
func packTime(t *time.Time) (int64, int32) {
	if t == nil {
		return 0, -1
	}
	return t.Unix(), int32(t.Nanosecond())
}

func unpackTime(sec int64, nsec int32) *time.Time {
	if nsec < 0 {
		return nil
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	return &t
}

// newCachedToken packs what TokenBySecret returned.
func newCachedToken(tok *tokenmint.Token, validUntil *time.Time, blocks []netip.Prefix) (cachedToken, bool) {
	kind, ok1 := indexOf(ownerKinds[:], tok.OwnerKind)
	status, ok2 := indexOf(storedStatuses[:], tok.StoredStatus)
	if !ok1 || !ok2 || tok.MaxUses < 0 || int64(tok.MaxUses) > 1<<31-1 {
		return cachedToken{}, false
	}
	id, ok := makeTokenKey(tok.ID)
	if !ok {
		return cachedToken{}, false
	}
	var c cachedToken
	c.id, c.uses, c.createdSec, c.maxUses = id, tok.Uses, tok.CreatedAt.Unix(), int32(tok.MaxUses)
	c.ownerKind, c.status = kind, status
	for _, f := range [...]struct {
		dst *uint32
		s   string
	}{{&c.tenant, tok.TenantID}, {&c.owner, tok.OwnerID}, {&c.typ, tok.Type}, {&c.project, tok.ProjectID}} {
		if *f.dst, ok = names.id(f.s); !ok {
			return cachedToken{}, false
		}
	}
	c.expSec, c.expNsec = packTime(tok.ExpiresAt)
	c.validSec, c.validNsec = packTime(validUntil)
	if len(blocks) > 0 || tok.AllowedCIDRs.Bound() {
		c.ip = &ipRules{blocks: blocks, allowed: tok.AllowedCIDRs}
	}
	return c, true
}

// token fills dst with the cached view of the token: its identity, owner,
// type, project, creation second, expiry (kept in *exp) and ID (its text
// in *idBuf, so the caller chooses where both live), uses, stored status
// and allowed networks. Name, description, prefix and the other display
// fields are not cached; code that shows them reads the token from the
// store.
func (c *cachedToken) token(dst *tokenmint.Token, exp *time.Time, idBuf *[36]byte) {
	*dst = tokenmint.Token{
		ID: c.id.text(idBuf), TenantID: names.value(c.tenant), OwnerKind: ownerKinds[c.ownerKind], OwnerID: names.value(c.owner),
		Type: names.value(c.typ), ProjectID: names.value(c.project), CreatedAt: time.Unix(c.createdSec, 0).UTC(),
		Uses: c.uses, MaxUses: int(c.maxUses), StoredStatus: storedStatuses[c.status],
		AllowedCIDRs: c.allowedCIDRs(),
	}
	if c.expNsec >= 0 {
		*exp = time.Unix(c.expSec, int64(c.expNsec)).UTC()
		dst.ExpiresAt = exp
	}
}

func (c *cachedToken) validUntil() *time.Time { return unpackTime(c.validSec, c.validNsec) }

func (c *cachedToken) blockList() []netip.Prefix {
	if c.ip == nil {
		return nil
	}
	return c.ip.blocks
}

// allowedCIDRs are the networks the token is bound to (nil: anywhere),
// shared with the cache: read-only.
func (c *cachedToken) allowedCIDRs() tokenmint.CIDRList {
	if c.ip == nil {
		return nil
	}
	return c.ip.allowed
}

// tokenID returns the token's ID.
func (c *packedToken) tokenID() string { return c.id.String() }

// tenantID returns the token's tenant.
func (c *packedToken) tenantID() string { return names.value(c.tenant) }
