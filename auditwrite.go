package tokenmint

import "context"

// auditEntryKey is the context key under which WithAuditEntry keeps the
// audit entry that goes with a write.
type auditEntryKey struct{}

// WithAuditEntry returns a context that asks Store.CreateToken to append e
// to the audit log in the creation's own transaction, and to set e.ID when
// it commits: the token and its audit entry are then written together or
// not at all, with one commit for both, and the entry is exactly as
// durable as the token. A refused or failed creation leaves neither (the
// caller audits the refusal itself). Like WithTokenQuota, it rides in the
// context so the Store interface stays as it is; pass it to the one
// CreateToken only.
func WithAuditEntry(ctx context.Context, e *AuditEntry) context.Context {
	return context.WithValue(ctx, auditEntryKey{}, e)
}

// AuditEntryFrom returns the entry WithAuditEntry attached to ctx, or nil.
func AuditEntryFrom(ctx context.Context) *AuditEntry {
	e, _ := ctx.Value(auditEntryKey{}).(*AuditEntry)
	return e
}
