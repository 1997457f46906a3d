package service

import (
	"context"
	"time"

	"tokenmint"
)

// AuditQuery filters the audit log; empty fields match everything.
type AuditQuery struct {
	Action string
	// Actor is who acted: "system" (the server's own actions, such as
	// the lifecycle jobs), "anonymous", a username or an application's
	// name or ID (what it did itself and through its tokens), or any other
	// actor ID, such as a token's. The words win over a user so named,
	// whose entries are then found by the user's ID.
	Actor   string
	Object  string // object ID
	Outcome string // success, failure or denied
	Since   *time.Time
	Until   *time.Time
	// Limit is the page size (default 50, at most 500); Cursor is the
	// next_cursor of the previous page.
	Limit  int
	Cursor string
}

// ListAudit returns audit entries of the caller's tenant, newest first, and
// the cursor of the next page ("" on the last). Administrators only.
func (s *Service) ListAudit(ctx context.Context, in AuditQuery) ([]*tokenmint.AuditEntry, string, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, "", err
	}
	switch in.Outcome {
	case "", OutcomeSuccess, OutcomeFailure, OutcomeDenied:
	default:
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "outcome must be success, failure or denied")
	}
	limit, before, err := pageRequest(in.Limit, in.Cursor)
	if err != nil {
		return nil, "", err
	}
	if in.Since != nil && in.Until != nil && !in.Since.Before(*in.Until) {
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "since must be before until")
	}
	f := tokenmint.AuditFilter{
		TenantID: p.TenantID, Action: in.Action, ObjectID: in.Object, Outcome: in.Outcome,
		Since: in.Since, Until: in.Until, Limit: limit + 1, BeforeID: before,
	}
	if err := s.auditActor(ctx, p.TenantID, in.Actor, &f); err != nil {
		return nil, "", err
	}
	entries, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return nil, "", err
	}
	entries, next := cutPage(entries, limit, func(e *tokenmint.AuditEntry) int64 { return e.ID })
	return entries, next, nil
}

// auditActor sets the actor fields of f from the actor filter a person
// types: a kind word, a username, an application's name, or an ID.
func (s *Service) auditActor(ctx context.Context, tenantID, actor string, f *tokenmint.AuditFilter) error {
	switch actor {
	case "":
		return nil
	case tokenmint.ActorSystem, tokenmint.ActorAnonymous:
		f.ActorKind = actor
		return nil
	}
	owner := func(kind, id string) {
		f.ActorOwnerKind, f.ActorOwnerID = kind, id
	}
	u, err := s.store.UserByUsername(ctx, tenantID, actor)
	if err == nil {
		owner(tokenmint.ActorUser, u.ID)
		return nil
	} else if tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		return err
	}
	if u, err := s.store.UserByID(ctx, tenantID, actor); err == nil {
		owner(tokenmint.ActorUser, u.ID)
		return nil
	} else if tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		return err
	}
	if a, err := s.application(ctx, tenantID, actor); err == nil {
		owner(tokenmint.ActorApplication, a.ID)
		return nil
	} else if tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
		return err
	}
	// Any other actor ID: a token, or a user or application deleted
	// since (users are disabled, never deleted, but applications go).
	f.ActorID = actor
	return nil
}
