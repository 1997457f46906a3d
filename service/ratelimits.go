package service

import (
	"context"
	"time"

	"tokenmint"
)

// rateLimitPair is a token's own limit and its owner's (zero: none). The
// type's default is applied on reading, so a changed types file needs no
// invalidation.
type rateLimitPair struct {
	token, owner tokenmint.RateLimit
}

// Sources of a token's effective limit.
const (
	RateSourceToken = "token"
	RateSourceType  = "type"
)

// effective is the token's limit in force: its own, else its type's.
func (p rateLimitPair) effective(typ *tokenmint.TokenType) (tokenmint.RateLimit, string) {
	if !p.token.IsZero() {
		return p.token, RateSourceToken
	}
	if typ != nil && typ.RateLimit != nil {
		return *typ.RateLimit, RateSourceType
	}
	return tokenmint.RateLimit{}, ""
}

// fillRateLimits reads, when a token is put in the cache, its own limit
// (kept in e) and its owner's (kept once per owner), in one query.
func (s *Service) fillRateLimits(ctx context.Context, gen uint64, tok *tokenmint.Token, e *cachedToken) error {
	t, o, err := s.store.RateLimitsOf(ctx, tok.TenantID, tok.ID, tok.OwnerKind, tok.OwnerID)
	if err != nil {
		return err
	}
	if !t.IsZero() {
		e.limit = &t
	}
	store(s.cache, gen, &s.cache.ownerLimits, grantsKeyT{tok.OwnerKind, tok.TenantID, tok.OwnerID}, o)
	return nil
}

// rateLimitsOf returns a cached token's own limit and its owner's, the
// owner's through the cache; a change of either announces
// ChangeRateLimit, which drops them on every instance.
func (s *Service) rateLimitsOf(ctx context.Context, tok *tokenmint.Token, own *tokenmint.RateLimit) (rateLimitPair, error) {
	var p rateLimitPair
	if own != nil {
		p.token = *own
	}
	key := grantsKeyT{tok.OwnerKind, tok.TenantID, tok.OwnerID}
	if o, _, ok := lookup(s.cache, &s.cache.ownerLimits, key); ok {
		p.owner = o
		return p, nil
	}
	gen := s.cache.generation()
	l, err := s.store.RateLimitOf(ctx, tokenmint.RateLimitSubject{TenantID: tok.TenantID, Kind: tok.OwnerKind, ID: tok.OwnerID})
	switch {
	case tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND:
	case err != nil:
		return rateLimitPair{}, err
	default:
		p.owner = l.Limit
	}
	store(s.cache, gen, &s.cache.ownerLimits, key, p.owner)
	return p, nil
}

// ownerRateKind is the counter kind letter of an owner kind.
func ownerRateKind(kind string) byte {
	if kind == tokenmint.OwnerApplication {
		return 'a'
	}
	return 'u'
}

// countRate is the rate limit step of verification, after every other
// check passed and before a use is spent: the request counts against the
// token's limit and its owner's, both of which must allow it. An
// unlimited token with an unlimited owner costs a cache read and nothing
// else.
func (s *Service) countRate(lims rateLimitPair, res *VerifyResult, now time.Time) error {
	tl := res.TokenRateLimit
	if tl.IsZero() && lims.owner.IsZero() {
		return nil
	}
	tok := res.Token
	st, wait, ok := s.rates.take(now, tok.OwnerID,
		rateReq{key: rateKey{kind: 't', id: tok.ID}, limit: tl},
		rateReq{key: rateKey{kind: ownerRateKind(tok.OwnerKind), id: tok.OwnerID}, limit: lims.owner})
	res.Rate = st
	if !ok {
		refused := st // a copy of its own, so st stays on the stack of an accepted request
		return &RateLimitError{RetryAfter: wait, Reason: "rate limit exceeded; try again later", State: &refused}
	}
	return nil
}

// TokenRateLimitInfo describes the limits that apply to a token.
type TokenRateLimitInfo struct {
	// Own is the token's own limit (nil: none).
	Own *tokenmint.RateLimit
	// Effective is the token's limit in force: its own or its type's
	// default (nil: none), and Source says which ("token" or "type").
	Effective *tokenmint.RateLimit
	Source    string
	// Owner is the limit its owner's tokens share (nil: none).
	Owner *tokenmint.RateLimit
}

// TokenRateLimits returns the limits of a token the caller may see.
func (s *Service) TokenRateLimits(ctx context.Context, tok *tokenmint.Token) (TokenRateLimitInfo, error) {
	t, o, err := s.store.RateLimitsOf(ctx, tok.TenantID, tok.ID, tok.OwnerKind, tok.OwnerID)
	if err != nil {
		return TokenRateLimitInfo{}, err
	}
	return rateLimitPair{token: t, owner: o}.info(tok.Type, s.types), nil
}

// info describes the pair for a token of the named type.
func (p rateLimitPair) info(typeName string, types *tokenmint.TypeRegistry) TokenRateLimitInfo {
	typ, _ := types.Lookup(typeName)
	eff, src := p.effective(typ)
	return TokenRateLimitInfo{Own: limitPtr(p.token), Effective: limitPtr(eff), Source: src, Owner: limitPtr(p.owner)}
}

func limitPtr(l tokenmint.RateLimit) *tokenmint.RateLimit {
	if l.IsZero() {
		return nil
	}
	return &l
}

// checkRateLimitInput refuses a limit out of range (zero is "none").
func checkRateLimitInput(l tokenmint.RateLimit) error {
	if l.IsZero() {
		return nil
	}
	return l.Validate()
}

// checkMintRateLimit refuses, for a token presented to create or change
// another, a limit looser than its own: a rate-limited credential cannot
// mint an unlimited one. A session (bound nil) is not held.
func (s *Service) checkMintRateLimit(ctx context.Context, tenantID, action, objectID string, bound *tokenmint.CredentialBound, l tokenmint.RateLimit) error {
	if bound == nil || !l.Looser(bound.RateLimit) {
		return nil
	}
	s.audit(ctx, tenantID, action, "token", objectID, OutcomeDenied, "rate limit beyond the presenting credential's")
	return tokenmint.Errorf(tokenmint.EFORBIDDEN, "the presenting token is limited to %s requests per seconds: it cannot give a token a looser rate limit", bound.RateLimit)
}

// SetTokenRateLimit sets (or, with the zero limit, clears) a token's own
// rate limit. The owner or an administrator may; a token presented for
// it cannot loosen the limit beyond its own. The change applies on every
// instance within the change feed's delay.
func (s *Service) SetTokenRateLimit(ctx context.Context, id string, l tokenmint.RateLimit) (*tokenmint.Token, error) {
	if err := checkRateLimitInput(l); err != nil {
		return nil, err
	}
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if st := tok.Status(s.Now()); st != tokenmint.StatusActive && st != tokenmint.StatusInactive {
		return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "token is %s and can no longer be changed", st)
	}
	eff := l
	if eff.IsZero() {
		if typ, ok := s.types.Lookup(tok.Type); ok && typ.RateLimit != nil {
			eff = *typ.RateLimit
		}
	}
	if err := s.checkMintRateLimit(ctx, tok.TenantID, "token.rate_limit", tok.ID, p.CredentialBound(), eff); err != nil {
		return nil, err
	}
	subj := tokenmint.RateLimitSubject{TenantID: tok.TenantID, Kind: tokenmint.RateSubjectToken, ID: tok.ID}
	if err := s.putRateLimit(ctx, subj, l); err != nil {
		return nil, err
	}
	s.audit(ctx, tok.TenantID, "token.rate_limit", "token", tok.ID, OutcomeSuccess, "rate limit "+l.String())
	return tok, nil
}

// putRateLimit stores or clears a subject's limit, announcing the change.
func (s *Service) putRateLimit(ctx context.Context, subj tokenmint.RateLimitSubject, l tokenmint.RateLimit) error {
	ch := Change{Kind: ChangeRateLimit, TenantID: subj.TenantID, ID: subj.ID}
	var err error
	if l.IsZero() {
		err = s.store.DeleteRateLimit(s.announcing(ctx, ch), subj)
	} else {
		err = s.store.PutRateLimit(s.announcing(ctx, ch), &tokenmint.StoredRateLimit{RateLimitSubject: subj, Limit: l, UpdatedAt: s.Now()})
	}
	if err != nil {
		return err
	}
	s.changed(ctx, ch)
	return nil
}

// OwnerRateLimit returns the limit shared by the tokens of a user or an
// application (ownerKind tokenmint.OwnerUser or OwnerApplication; key an
// ID or name), nil for none. Administrators only.
func (s *Service) OwnerRateLimit(ctx context.Context, ownerKind, key string) (*tokenmint.RateLimit, error) {
	subj, err := s.ownerSubject(ctx, ownerKind, key)
	if err != nil {
		return nil, err
	}
	l, err := s.store.RateLimitOf(ctx, subj)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &l.Limit, nil
}

// SetOwnerRateLimit sets (zero limit: clears) the limit shared by every
// token of a user or an application. Administrators only.
func (s *Service) SetOwnerRateLimit(ctx context.Context, ownerKind, key string, l tokenmint.RateLimit) error {
	if err := checkRateLimitInput(l); err != nil {
		return err
	}
	subj, err := s.ownerSubject(ctx, ownerKind, key)
	if err != nil {
		return err
	}
	if err := s.putRateLimit(ctx, subj, l); err != nil {
		return err
	}
	s.audit(ctx, subj.TenantID, ownerKind+".rate_limit", ownerKind, subj.ID, OutcomeSuccess, "rate limit "+l.String())
	return nil
}

// ownerSubject finds the user or application an administrator names.
func (s *Service) ownerSubject(ctx context.Context, ownerKind, key string) (tokenmint.RateLimitSubject, error) {
	p, err := requireAdminTo(ctx, "set owners' rate limits")
	if err != nil {
		return tokenmint.RateLimitSubject{}, err
	}
	switch ownerKind {
	case tokenmint.OwnerUser:
		u, err := s.lookupUser(ctx, p.TenantID, key)
		if err != nil {
			return tokenmint.RateLimitSubject{}, err
		}
		return tokenmint.RateLimitSubject{TenantID: p.TenantID, Kind: tokenmint.RateSubjectUser, ID: u.ID}, nil
	case tokenmint.OwnerApplication:
		a, err := s.application(ctx, p.TenantID, key)
		if err != nil {
			return tokenmint.RateLimitSubject{}, err
		}
		return tokenmint.RateLimitSubject{TenantID: p.TenantID, Kind: tokenmint.RateSubjectApplication, ID: a.ID}, nil
	}
	return tokenmint.RateLimitSubject{}, tokenmint.Errorf(tokenmint.EINVALID, "unknown owner kind %q", ownerKind)
}

// checkNewTokenRateLimit checks the limit asked for a new token: in
// range, and (for a token presented to create it) no looser than the
// presenter's own, counting the type's default when none is asked for.
func (s *Service) checkNewTokenRateLimit(ctx context.Context, tenantID string, typ *tokenmint.TokenType, bound *tokenmint.CredentialBound, l tokenmint.RateLimit) error {
	if err := checkRateLimitInput(l); err != nil {
		return err
	}
	eff, _ := rateLimitPair{token: l}.effective(typ)
	return s.checkMintRateLimit(ctx, tenantID, "token.create", "", bound, eff)
}

// storeNewTokenRateLimit stores a new token's own limit. Should that
// fail, the token is deleted again: a token must never work without the
// limit its creator asked for.
func (s *Service) storeNewTokenRateLimit(ctx context.Context, tok *tokenmint.Token, l tokenmint.RateLimit) error {
	if l.IsZero() {
		return nil
	}
	err := s.store.PutRateLimit(ctx, &tokenmint.StoredRateLimit{
		RateLimitSubject: tokenmint.RateLimitSubject{TenantID: tok.TenantID, Kind: tokenmint.RateSubjectToken, ID: tok.ID},
		Limit:            l, UpdatedAt: tok.CreatedAt,
	})
	if err != nil {
		if derr := s.store.DeleteToken(context.WithoutCancel(ctx), tok.TenantID, tok.ID); derr != nil {
			s.log.Error("deleting a token whose rate limit could not be stored failed", "token", tok.ID, "err", derr)
		}
		return err
	}
	return nil
}

// likeRateLimit copies a token's own rate limit into the input of a token
// made like it (recreate.go); one without a limit of its own makes one
// without (its type's default then applies to both). A presenting token
// whose own limit is tighter cuts the copy to it, as creating would
// otherwise refuse.
func (s *Service) likeRateLimit(ctx context.Context, src *tokenmint.Token, typ *tokenmint.TokenType, rc *Recreation) error {
	l, err := s.store.RateLimitOf(ctx, tokenmint.RateLimitSubject{TenantID: src.TenantID, Kind: tokenmint.RateSubjectToken, ID: src.ID})
	switch {
	case tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND:
	case err != nil:
		return err
	default:
		rc.Input.RateLimit = l.Limit
	}
	bound := tokenmint.PrincipalFromContext(ctx).CredentialBound()
	if eff, _ := (rateLimitPair{token: rc.Input.RateLimit}).effective(typ); bound != nil && eff.Looser(bound.RateLimit) {
		rc.Input.RateLimit = bound.RateLimit
		rc.Adjustments = append(rc.Adjustments, Adjustment{"rate_limit", "rate limit cut to " + bound.RateLimit.String() + ", the presenting token's own"})
	}
	return nil
}
