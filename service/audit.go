package service

import (
	"context"

	"tokenmint"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// audit appends one entry for the caller in ctx. The entry names objects by
// ID and never carries a secret. A failure to audit is logged, not returned:
// the action it describes has already happened.
func (s *Service) audit(ctx context.Context, tenantID, action, objectKind, objectID, outcome, detail string) {
	e := s.auditEntry(ctx, tenantID, action, objectKind, objectID, outcome, detail)
	ctx, cancel := afterCommit(ctx)
	defer cancel()
	if err := s.audits.Do(ctx, e); err != nil {
		s.log.Error("audit append failed", "action", action, "object", objectID, "err", err)
	}
}

// auditEntry is the entry audit appends, for a write that appends it in
// its own transaction instead (tokenmint.WithAuditEntry).
func (s *Service) auditEntry(ctx context.Context, tenantID, action, objectKind, objectID, outcome, detail string) *tokenmint.AuditEntry {
	kind, id := "anonymous", ""
	if p := tokenmint.PrincipalFromContext(ctx); p != nil {
		switch {
		case p.Token != nil:
			kind, id = "token", p.Token.ID
		case p.User != nil:
			kind, id = "user", p.User.ID
		case p.ApplicationID != "":
			kind, id = "application", p.ApplicationID
		}
		if tenantID == "" {
			tenantID = p.TenantID
		}
	}
	return &tokenmint.AuditEntry{
		TenantID: tenantID, Time: s.Now(), ActorKind: kind, ActorID: id,
		Action: action, ObjectKind: objectKind, ObjectID: objectID,
		ClientIP: ClientIPFromContext(ctx), Outcome: outcome, Detail: detail,
	}
}

// systemAudit records an action of the server itself.
func (s *Service) systemAudit(ctx context.Context, tenantID, action, objectKind, objectID, detail string) {
	e := &tokenmint.AuditEntry{
		TenantID: tenantID, Time: s.Now(), ActorKind: "system",
		Action: action, ObjectKind: objectKind, ObjectID: objectID, Outcome: OutcomeSuccess, Detail: detail,
	}
	ctx, cancel := afterCommit(ctx)
	defer cancel()
	if err := s.audits.Do(ctx, e); err != nil {
		s.log.Error("audit append failed", "action", action, "err", err)
	}
}
