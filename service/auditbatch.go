package service

import (
	"context"
	"time"

	"tokenmint"
)

// groupCommitDelay is how long a writer waits for companions when the
// server is busy (tokenmint.GroupCommit.Delay).
const groupCommitDelay = 300 * time.Microsecond

// newAuditBatcher commits concurrent audit entries together: one
// transaction for every entry that arrived while the previous one was being
// written. Each caller still waits until its own entry is durable, so an
// answer is never sent before its audit entry is written, as with one
// insert per entry.
func newAuditBatcher(store tokenmint.Store) *tokenmint.GroupCommit[*tokenmint.AuditEntry] {
	return &tokenmint.GroupCommit[*tokenmint.AuditEntry]{
		Delay: groupCommitDelay, Max: 512,
		Write: func(ctx context.Context, batch []*tokenmint.AuditEntry) []error {
			err := store.AppendAuditBatch(ctx, batch)
			errs := make([]error, len(batch))
			for i := range errs {
				errs[i] = err
			}
			return errs
		},
	}
}
