package service

import (
	"context"
	"time"

	"tokenmint"
)

// AuditQuery filters the audit log; empty fields match everything.
type AuditQuery struct {
	Action  string
	Actor   string // actor ID
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
		TenantID: p.TenantID, Action: in.Action, ActorID: in.Actor, ObjectID: in.Object, Outcome: in.Outcome,
		Since: in.Since, Until: in.Until, Limit: limit + 1, BeforeID: before,
	}
	entries, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return nil, "", err
	}
	entries, next := cutPage(entries, limit, func(e *tokenmint.AuditEntry) int64 { return e.ID })
	return entries, next, nil
}
