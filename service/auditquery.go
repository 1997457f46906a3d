package service

import (
	"context"
	"strconv"
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
	if in.Limit < 0 || in.Limit > 500 {
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "limit must be 1-500")
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	if in.Since != nil && in.Until != nil && !in.Since.Before(*in.Until) {
		return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "since must be before until")
	}
	f := tokenmint.AuditFilter{
		TenantID: p.TenantID, Action: in.Action, ActorID: in.Actor, ObjectID: in.Object, Outcome: in.Outcome,
		Since: in.Since, Until: in.Until, Limit: in.Limit + 1,
	}
	if in.Cursor != "" {
		id, err := strconv.ParseInt(in.Cursor, 10, 64)
		if err != nil || id <= 0 {
			return nil, "", tokenmint.Errorf(tokenmint.EINVALID, "cursor must be the next_cursor of a previous page")
		}
		f.BeforeID = id
	}
	entries, err := s.store.ListAudit(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(entries) > in.Limit { // one extra row tells a next page exists
		entries = entries[:in.Limit]
		next = strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	return entries, next, nil
}
