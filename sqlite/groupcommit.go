package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// groupCommitDelay is how long a writer that found no batch in progress
// waits for companions when the previous batch held several writes (the
// server is busy); an idle server commits at once.
const groupCommitDelay = 300 * time.Microsecond

// maxGroup bounds the writes of one shared transaction.
const maxGroup = 256

// groupWriter runs concurrent writes in one transaction (group commit):
// SQLite has one writer at a time anyway, and a commit costs as much for
// one small write as for dozens. Each write runs inside a savepoint of its
// own, so one that fails (a quota reached, a name taken) is rolled back
// alone and the others commit. Every caller returns only after the shared
// transaction committed (or failed), so an acknowledged write is as
// durable as with a transaction of its own.
//
// There is no goroutine of its own: the first caller to find no batch in
// progress writes everything queued, then hands the writer's role to the
// first write queued meanwhile.
type groupWriter struct {
	mu      sync.Mutex
	writing bool
	busy    bool
	queue   []*groupOp
}

type groupOp struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan groupOutcome
}

type groupOutcome struct {
	err  error
	lead bool
}

// grouped runs fn in a transaction shared with other grouped writes. fn
// must have no effects outside tx, as for inTx.
func (db *DB) grouped(ctx context.Context, fn func(tx *sql.Tx) error) error {
	g := &db.group
	op := &groupOp{ctx: ctx, fn: fn, done: make(chan groupOutcome, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, op)
	if g.writing {
		g.mu.Unlock()
		o := <-op.done // a waiter must stay to take over the writer's role
		if !o.lead {
			return o.err
		}
		g.mu.Lock()
	} else if g.busy {
		g.writing = true
		g.mu.Unlock()
		time.Sleep(groupCommitDelay)
		g.mu.Lock()
	}
	g.writing = true
	n := min(len(g.queue), maxGroup)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	errs := db.runGroup(batch)
	var mine error
	for i, q := range batch {
		if q == op {
			mine = errs[i]
			continue
		}
		q.done <- groupOutcome{err: errs[i]}
	}
	g.mu.Lock()
	g.busy = len(batch) > 1
	if len(g.queue) > 0 {
		g.queue[0].done <- groupOutcome{lead: true}
	} else {
		g.writing = false
	}
	g.mu.Unlock()
	return mine
}

// runGroup runs the batch's writes in one transaction, each in a savepoint,
// and returns each write's error (the commit's error for those that
// succeeded, when the commit fails).
func (db *DB) runGroup(batch []*groupOp) []error {
	errs := make([]error, len(batch))
	// The batch holds other callers' writes: one caller going away must
	// not cancel theirs.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), 10*time.Second)
	defer cancel()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for i, op := range batch {
			if err := op.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
				return err
			}
			if errs[i] = op.fn(tx); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO grouped"); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE grouped"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	return errs
}
