package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tokenmint"
)

// groupCommitDelay is how long a writer waits for companions when the
// server is busy (tokenmint.GroupCommit.Delay).
const groupCommitDelay = 300 * time.Microsecond

// groupOp is one write that shares a transaction with others.
type groupOp struct {
	ctx context.Context
	fn  func(tx *sql.Tx) error
}

// newGroupWriter runs concurrent writes in one transaction (group commit):
// SQLite has one writer at a time anyway, and a commit costs as much for
// one small write as for dozens. Each write runs inside a savepoint of its
// own, so one that fails (a quota reached, a name taken) is rolled back
// alone and the others commit; every caller returns only after the shared
// transaction committed, so an acknowledged write is as durable as with a
// transaction of its own.
func (db *DB) newGroupWriter() *tokenmint.GroupCommit[groupOp] {
	return &tokenmint.GroupCommit[groupOp]{Delay: groupCommitDelay, Write: db.runGroup}
}

// grouped runs fn in a transaction shared with other grouped writes. fn
// must have no effects outside tx, as for inTx.
func (db *DB) grouped(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.group.Do(ctx, groupOp{ctx: ctx, fn: fn})
}

// runGroup runs the batch's writes in one transaction, each in a savepoint,
// and returns each write's error (the commit's error for those that
// succeeded, when the commit fails).
func (db *DB) runGroup(ctx context.Context, batch []groupOp) []error {
	errs := make([]error, len(batch))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		exec := func(query string) error {
			s, err := db.inTxStmt(ctx, tx, query)
			if err == nil {
				_, err = s.ExecContext(ctx)
			}
			return err
		}
		for i, op := range batch {
			if err := op.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if err := exec(savepointSQL); err != nil {
				return err
			}
			if errs[i] = op.fn(tx); errs[i] != nil {
				if err := exec(rollbackSavepointSQL); err != nil {
					return err
				}
			}
			if err := exec(releaseSavepointSQL); err != nil {
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
