package service

import (
	"context"
	"sync"
	"time"

	"tokenmint"
)

// maxAuditBatch bounds one group commit.
const maxAuditBatch = 512

// groupCommitDelay is how long a writer that found no batch in progress
// waits for companions when the previous batch had several entries (the
// server is busy): a commit costs the same for one entry as for dozens,
// and under load the wait is repaid many times. An idle server, whose last
// batch held one entry, writes at once.
const groupCommitDelay = 300 * time.Microsecond

// auditBatcher commits concurrent audit entries together: one transaction
// for every entry that arrived while the previous one was being written
// (group commit). Each caller still waits until its own entry is durable,
// so an answer is never sent before its audit entry is written, as with
// one insert per entry; what changes is that a busy token endpoint pays
// one commit per batch instead of one per token. An idle server writes each
// entry at once, in a batch of one.
//
// There is no goroutine of its own: the first caller to find no write in
// progress becomes the writer of everything queued; when its batch is
// written it hands the writer's role to the first entry queued meanwhile.
type auditBatcher struct {
	store   tokenmint.Store
	mu      sync.Mutex
	writing bool
	queue   []*pendingAudit
	// busy: the last batch held more than one entry.
	busy bool
}

type pendingAudit struct {
	entry *tokenmint.AuditEntry
	done  chan auditOutcome
}

// auditOutcome is a queued entry's answer: written (err), or the role of
// writer for the batch queued behind the one just written.
type auditOutcome struct {
	err  error
	lead bool
}

// append writes e, with whatever other entries are waiting, and returns
// when it is written or failed.
func (b *auditBatcher) append(ctx context.Context, e *tokenmint.AuditEntry) error {
	p := &pendingAudit{entry: e, done: make(chan auditOutcome, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	if b.writing {
		b.mu.Unlock()
		// Waiting ignores ctx: an abandoned entry is still written, and a
		// waiter must be there to take over the writer's role.
		o := <-p.done
		if !o.lead {
			return o.err
		}
		b.mu.Lock()
	} else if b.busy {
		b.writing = true
		b.mu.Unlock()
		time.Sleep(groupCommitDelay)
		b.mu.Lock()
	}
	b.writing = true
	n := min(len(b.queue), maxAuditBatch)
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.mu.Unlock()

	entries := make([]*tokenmint.AuditEntry, len(batch))
	for i, q := range batch {
		entries[i] = q.entry
	}
	// The batch carries other callers' entries: the writer's caller going
	// away must not cancel them.
	wctx, cancel := afterCommit(ctx)
	err := b.store.AppendAuditBatch(wctx, entries)
	cancel()
	var mine error
	for _, q := range batch {
		if q == p {
			mine = err
			continue
		}
		q.done <- auditOutcome{err: err}
	}
	b.mu.Lock()
	b.busy = len(batch) > 1
	if len(b.queue) > 0 {
		b.queue[0].done <- auditOutcome{lead: true}
	} else {
		b.writing = false
	}
	b.mu.Unlock()
	return mine
}
