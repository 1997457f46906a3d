package service

import (
	"context"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// Token requests: a type with approval: required is never created at once.
// Its requester asks (RequestToken) with the fields of a creation and a
// justification, checked like a creation; another administrator of the
// tenant approves or denies; the requester then collects the token
// (CollectTokenRequest), checked again like a creation against the rules
// and rights of that day. No secret exists before the collection, so only
// the requester ever sees it.

// RequestTokenInput asks for a token of a type that needs approval.
type RequestTokenInput struct {
	CreateTokenInput
	Justification string
}

// Reasons of requests that expired, kept in the request and the audit.
const (
	reasonNotDecided  = "not decided within 7 days"
	reasonNotCollectd = "not collected within 7 days"
)

// RequestToken records the caller's request for a token of a type that
// requires approval. It is refused when the caller could not create such
// a token now (rights, project, limits), so no one asks for what they could
// never hold. Its networks and rate limit are checked like a creation's
// and kept for the token.
func (s *Service) RequestToken(ctx context.Context, in RequestTokenInput) (*tokenmint.TokenRequest, error) {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	typ, err := s.userTokenType(in.Type)
	if err != nil {
		return nil, err
	}
	if !typ.RequiresApproval() {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "token type %s needs no approval: create it with POST /api/v1/tokens", typ.Name)
	}
	if err := tokenmint.ValidateJustification(in.Justification); err != nil {
		return nil, err
	}
	g, err := s.grantsFor(ctx, p.TenantID, tokenmint.OwnerUser, p.User.ID)
	if err != nil {
		return nil, err
	}
	tok, _, err := s.prepareToken(ctx, userOwner(p), typ, g, in.CreateTokenInput)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	r := &tokenmint.TokenRequest{
		ID: secret.NewID(), TenantID: p.TenantID, RequesterID: p.User.ID, Type: typ.Name,
		Name: in.Name, Description: in.Description, ProjectID: tok.ProjectID, Expiry: in.Expiry,
		Justification: in.Justification, Status: tokenmint.RequestPending,
		// The networks as resolved (asked for, else the presenting
		// credential's) and the limit asked for: the collected token gets
		// exactly these, never a broader one.
		AllowedCIDRs: tok.AllowedCIDRs, RateLimit: in.RateLimit,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(tokenmint.RequestTTL),
	}
	if err := s.store.CreateTokenRequest(ctx, r); err != nil {
		return nil, err
	}
	s.audit(ctx, p.TenantID, "token_request.create", "token_request", r.ID, OutcomeSuccess, "type "+typ.Name)
	s.emitRequest(ctx, tokenmint.EventTokenRequested, r, "")
	return r, nil
}

// userOwner is the calling user as the owner of a new token.
func userOwner(p *tokenmint.Principal) tokenOwner {
	return tokenOwner{p.TenantID, tokenmint.OwnerUser, p.User.ID, tokenmint.KindUser}
}

// ListTokenRequestsInput selects requests to list.
type ListTokenRequestsInput struct {
	// All lists every request of the tenant (administrators only);
	// otherwise the caller's own.
	All    bool
	Status string
	Before string
	Limit  int
}

// ListTokenRequests lists the caller's requests or, for an administrator
// with All, the tenant's, newest first, and the cursor of the next page.
func (s *Service) ListTokenRequests(ctx context.Context, in ListTokenRequestsInput) ([]*tokenmint.TokenRequest, string, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, "", err
	}
	if in.Status != "" && !tokenmint.ValidRequestStatus(in.Status) {
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "status must be one of pending, approved, denied, expired, issued, cancelled")
	}
	if in.Limit < 0 || in.Limit > 500 {
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "limit must be 1-500")
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	if err := tokenmint.ValidateTokenCursor(in.Before); err != nil {
		return nil, "", err
	}
	f := tokenmint.TokenRequestFilter{TenantID: p.TenantID, RequesterID: p.User.ID, Status: in.Status, Before: in.Before, Limit: in.Limit + 1}
	if in.All {
		if !p.Can("tokens:manage") {
			return nil, "", tokenmint.Errorf(tokenmint.EFORBIDDEN, "only administrators (tokens:manage) may list other users' token requests")
		}
		f.RequesterID = ""
	}
	list, err := s.store.ListTokenRequests(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > in.Limit {
		list = list[:in.Limit]
		next = list[len(list)-1].ID
	}
	for _, r := range list {
		redactRequest(p, r)
	}
	return list, next, nil
}

// redactRequest hides from anyone but the requester the description of
// the token asked for, as a token's description is hidden from
// administrators (Fortify's rule): they decide on the justification.
func redactRequest(p *tokenmint.Principal, r *tokenmint.TokenRequest) {
	if p.User == nil || p.User.ID != r.RequesterID {
		r.Description = ""
	}
}

// GetTokenRequest returns a request of the caller, or any request of the
// tenant to an administrator. Others' requests are "not found".
func (s *Service) GetTokenRequest(ctx context.Context, id string) (*tokenmint.TokenRequest, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, err
	}
	r, _, err := s.visibleRequest(ctx, p, id)
	if err != nil {
		return nil, err
	}
	redactRequest(p, r)
	return r, nil
}

// visibleRequest loads a request the caller made or administers.
func (s *Service) visibleRequest(ctx context.Context, p *tokenmint.Principal, id string) (*tokenmint.TokenRequest, bool, error) {
	r, err := s.store.TokenRequestByID(ctx, p.TenantID, id)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, false, tokenmint.Errorf(tokenmint.ENOTFOUND, "token request not found")
	} else if err != nil {
		return nil, false, err
	}
	own := p.User != nil && r.RequesterID == p.User.ID
	if !own && !p.Can("tokens:manage") {
		return nil, false, tokenmint.Errorf(tokenmint.ENOTFOUND, "token request not found")
	}
	return r, own, nil
}

// ApproveTokenRequest approves a pending request. It takes an
// administrator of the tenant (tokens:manage) other than the requester.
// The requester then has RequestTTL to collect the token.
func (s *Service) ApproveTokenRequest(ctx context.Context, id string) (*tokenmint.TokenRequest, error) {
	return s.decide(ctx, id, tokenmint.RequestApproved, "")
}

// DenyTokenRequest denies a pending request with a reason, which the
// requester is told and the audit trail keeps.
func (s *Service) DenyTokenRequest(ctx context.Context, id, reason string) (*tokenmint.TokenRequest, error) {
	return s.decide(ctx, id, tokenmint.RequestDenied, reason)
}

func (s *Service) decide(ctx context.Context, id, to, reason string) (*tokenmint.TokenRequest, error) {
	action := "token_request.approve"
	if to == tokenmint.RequestDenied {
		action = "token_request.deny"
	}
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	if p.User == nil || !p.Can("tokens:manage") {
		s.audit(ctx, "", action, "token_request", id, OutcomeDenied, "administrator permission required")
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the tenant's administrators (tokens:manage) decide token requests")
	}
	if to == tokenmint.RequestDenied {
		if err := tokenmint.ValidateDecisionReason(reason); err != nil {
			return nil, err
		}
		if reason == "" {
			return nil, tokenmint.Errorf(tokenmint.EINVALID, "reason is required: tell the requester why")
		}
	}
	r, _, err := s.visibleRequest(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.RequesterID == p.User.ID {
		// Four eyes: whoever asks for a powerful token does not grant it.
		s.audit(ctx, p.TenantID, action, "token_request", r.ID, OutcomeDenied, "own request")
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "you cannot decide your own token request: another administrator must (cancel it if you no longer need it)")
	}
	now := s.Now()
	if err := requestOpen(r, tokenmint.RequestPending, now); err != nil {
		return nil, err
	}
	tr := tokenmint.RequestTransition{
		TenantID: p.TenantID, ID: r.ID, From: tokenmint.RequestPending, To: to, At: now,
		DecidedBy: p.User.ID, Reason: reason,
	}
	if to == tokenmint.RequestApproved {
		collectBy := now.Add(tokenmint.RequestTTL)
		tr.ExpiresAt = &collectBy
	}
	if err := s.transition(ctx, r, tr); err != nil {
		return nil, err
	}
	detail := "type " + r.Type
	event := tokenmint.EventTokenRequestApproved
	if to == tokenmint.RequestDenied {
		detail += "; reason: " + reason
		event = tokenmint.EventTokenRequestDenied
	}
	s.audit(ctx, p.TenantID, action, "token_request", r.ID, OutcomeSuccess, detail)
	s.emitRequest(ctx, event, r, reason)
	redactRequest(p, r)
	return r, nil
}

// requestOpen checks r is in state want and its time has not run out.
func requestOpen(r *tokenmint.TokenRequest, want string, now time.Time) error {
	if r.Status == want && r.ExpiresAt.After(now) {
		return nil
	}
	switch {
	case r.Status == want || r.Status == tokenmint.RequestExpired:
		return tokenmint.Errorf(tokenmint.ECONFLICT, "token request has expired")
	case r.Status == tokenmint.RequestPending:
		return tokenmint.Errorf(tokenmint.ECONFLICT, "token request is not approved yet")
	case r.Status == tokenmint.RequestIssued:
		return tokenmint.Errorf(tokenmint.ECONFLICT, "token request was collected already: its token is shown only once")
	case r.Status == tokenmint.RequestDenied:
		return tokenmint.Errorf(tokenmint.ECONFLICT, "token request was denied")
	}
	return tokenmint.Errorf(tokenmint.ECONFLICT, "token request is %s", r.Status)
}

// transition applies tr to r (in the store, then in r) or reports the
// state another caller moved it to first.
func (s *Service) transition(ctx context.Context, r *tokenmint.TokenRequest, tr tokenmint.RequestTransition) error {
	ok, err := s.store.TransitionTokenRequest(ctx, tr)
	if err != nil {
		return err
	}
	if !ok {
		cur, err := s.store.TokenRequestByID(ctx, r.TenantID, r.ID)
		if err != nil {
			return err
		}
		return requestOpen(cur, tr.From, tr.At)
	}
	r.Status, r.UpdatedAt = tr.To, tr.At
	if tr.DecidedBy != "" {
		r.DecidedBy, r.DecidedAt = tr.DecidedBy, &tr.At
	}
	if tr.Reason != "" {
		r.Reason = tr.Reason
	}
	if tr.TokenID != "" {
		r.TokenID = tr.TokenID
	}
	if tr.ExpiresAt != nil {
		r.ExpiresAt = *tr.ExpiresAt
	}
	return nil
}

// CancelTokenRequest withdraws the caller's own pending or approved
// request.
func (s *Service) CancelTokenRequest(ctx context.Context, id string) (*tokenmint.TokenRequest, error) {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	r, own, err := s.visibleRequest(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !own {
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the requester cancels a token request; deny it instead")
	}
	now := s.Now()
	from := r.Status
	if from != tokenmint.RequestApproved {
		from = tokenmint.RequestPending
	}
	if err := requestOpen(r, from, now); err != nil {
		return nil, err
	}
	if err := s.transition(ctx, r, tokenmint.RequestTransition{TenantID: p.TenantID, ID: r.ID, From: from, To: tokenmint.RequestCancelled, At: now, Reason: "cancelled by the requester"}); err != nil {
		return nil, err
	}
	s.audit(ctx, p.TenantID, "token_request.cancel", "token_request", r.ID, OutcomeSuccess, "type "+r.Type)
	return r, nil
}

// CollectTokenRequest creates the token of the caller's approved request
// and returns it with its secret, once. The token is checked like any
// creation, against the caller's rights and the limits in force now: a
// requester who lost the role since cannot collect it. Of concurrent
// collections exactly one creates a token.
func (s *Service) CollectTokenRequest(ctx context.Context, id string) (*IssuedToken, *tokenmint.TokenRequest, error) {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	r, own, err := s.visibleRequest(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if !own {
		s.audit(ctx, p.TenantID, "token_request.issue", "token_request", r.ID, OutcomeDenied, "not the requester")
		return nil, nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the requester collects the token of a request")
	}
	now := s.Now()
	if err := s.retakeLostCollection(ctx, r, now); err != nil {
		return nil, nil, err
	}
	if err := requestOpen(r, tokenmint.RequestApproved, now); err != nil {
		return nil, nil, err
	}
	// The same checks as a creation, with today's rights and limits.
	typ, err := s.userTokenType(r.Type)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.grantsFor(ctx, p.TenantID, tokenmint.OwnerUser, p.User.ID)
	if err != nil {
		return nil, nil, err
	}
	owner := userOwner(p)
	tok, pol, err := s.prepareToken(ctx, owner, typ, g, CreateTokenInput{
		Type: r.Type, Name: r.Name, Description: r.Description, Project: r.ProjectID, Expiry: r.Expiry,
		AllowedCIDRs: r.AllowedCIDRs.Strings(), RateLimit: r.RateLimit,
	})
	if err != nil {
		s.audit(ctx, p.TenantID, "token_request.issue", "token_request", r.ID, OutcomeDenied, "type "+r.Type+": no longer allowed")
		return nil, nil, err
	}
	// Claim the request for this token first: of concurrent collections
	// only one claims it, so only one token is ever created.
	if err := s.transition(ctx, r, tokenmint.RequestTransition{TenantID: p.TenantID, ID: r.ID, From: tokenmint.RequestApproved, To: tokenmint.RequestIssued, At: now, TokenID: tok.ID}); err != nil {
		return nil, nil, err
	}
	issued, err := s.storeToken(ctx, owner, tok, pol)
	if err == nil {
		// As in issueToken: the secret is not out yet, and the token is
		// deleted again if its own limit cannot be stored.
		err = s.storeNewTokenRateLimit(ctx, issued.Token, r.RateLimit)
	}
	if err != nil {
		// The token was not created, or deleted again (its quota, a
		// failing store): give the request back so it can be collected
		// once that is fixed. Its token_id keeps the unused ID until the
		// next collection.
		back := tokenmint.RequestTransition{TenantID: p.TenantID, ID: r.ID, From: tokenmint.RequestIssued, To: tokenmint.RequestApproved, At: now}
		if _, rerr := s.store.TransitionTokenRequest(context.WithoutCancel(ctx), back); rerr != nil {
			s.log.Error("returning a token request to approved failed", "request", r.ID, "err", rerr)
		}
		return nil, nil, err
	}
	s.audit(ctx, p.TenantID, "token_request.issue", "token_request", r.ID, OutcomeSuccess, "token "+tok.ID)
	return issued, r, nil
}

// lostCollectionAfter is how long a collection may be under way: a
// request issued longer ago whose token does not exist was claimed by a
// collection that died (a crash between the claim and the token's write).
// Past lostCollectionUntil a missing token is taken to have been deleted
// since (the shortest inactivity rule is a day), and nothing is given back.
const (
	lostCollectionAfter = 2 * time.Minute
	lostCollectionUntil = time.Hour
)

// retakeLostCollection gives a request back to its requester when a
// collection claimed it but its token was never written, so an approval
// is not lost to a crash. Only the claim naming that very token is taken
// back (WithTokenID): a collection under way, or one that succeeded since,
// is left alone.
func (s *Service) retakeLostCollection(ctx context.Context, r *tokenmint.TokenRequest, now time.Time) error {
	if age := now.Sub(r.UpdatedAt); r.Status != tokenmint.RequestIssued || r.TokenID == "" || age < lostCollectionAfter || age > lostCollectionUntil {
		return nil
	}
	_, err := s.store.TokenByID(ctx, r.TenantID, r.TokenID)
	if tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		return err // the token exists (nil: shown once already), or the store failed
	}
	back := tokenmint.RequestTransition{TenantID: r.TenantID, ID: r.ID, From: tokenmint.RequestIssued, To: tokenmint.RequestApproved, At: now, WithTokenID: r.TokenID}
	ok, err := s.store.TransitionTokenRequest(ctx, back)
	if err != nil {
		return err
	}
	if ok {
		s.log.Warn("token request given back: its collection ended before the token was written", "request", r.ID)
		r.Status, r.UpdatedAt = tokenmint.RequestApproved, now
	}
	return nil
}

// expireTokenRequestsJob expires the tenant's requests nobody acted on in
// time: pending ones not decided, approved ones not collected. Each is
// audited with its reason.
func (s *Service) expireTokenRequestsJob(ctx context.Context, tenantID string, now time.Time) error {
	for _, st := range []struct{ status, reason string }{
		{tokenmint.RequestPending, reasonNotDecided},
		{tokenmint.RequestApproved, reasonNotCollectd},
	} {
		for {
			list, err := s.store.ListTokenRequests(ctx, tokenmint.TokenRequestFilter{TenantID: tenantID, Status: st.status, ExpiresBy: &now, Limit: jobBatch})
			if err != nil {
				return err
			}
			for _, r := range list {
				ok, err := s.store.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
					TenantID: tenantID, ID: r.ID, From: st.status, To: tokenmint.RequestExpired, At: now, Reason: st.reason, Lapsed: true,
				})
				if err != nil {
					return ignoreNotFound(err)
				}
				if ok {
					s.systemAudit(ctx, tenantID, "token_request.expire", "token_request", r.ID, st.reason)
				}
			}
			if len(list) < jobBatch {
				break
			}
		}
	}
	return nil
}
