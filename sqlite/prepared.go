package sqlite

import (
	"context"
	"database/sql"
)

// Statements of the hot writes, prepared once on the write connection when
// the store opens: a token's creation otherwise had SQLite parse its text
// on every call, a sixth of its CPU. They are prepared before any
// transaction can hold the single write connection (preparing inside one
// would wait for that connection forever).
const (
	insertTokenSQL = `INSERT INTO tokens (id, tenant_id, owner_kind, owner_id, type, name, description,
	        project_id, prefix, created_at, updated_at, expires_at, last_used_at,
	        uses, max_uses, status, revoked_at, version, allowed_cidrs)
	 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertTokenSecretSQL = `INSERT INTO token_secrets (token_id, hash, valid_until, created_at) VALUES (?, ?, NULL, ?)`
	countLiveTokensSQL   = `SELECT count(*) FROM tokens
	 WHERE tenant_id = ? AND owner_kind = ? AND owner_id = ?
	   AND status <> 'revoked'
	   AND (expires_at IS NULL OR expires_at > ?)
	   AND NOT (max_uses > 0 AND uses >= max_uses)`
	// The savepoints around each write of a shared transaction
	// (groupcommit.go), three statements per write.
	savepointSQL         = "SAVEPOINT grouped"
	rollbackSavepointSQL = "ROLLBACK TO grouped"
	releaseSavepointSQL  = "RELEASE grouped"
	insertAuditSQL       = `INSERT INTO audit_log (tenant_id, time, actor_kind, actor_id, action, object_kind,
	        object_id, client_ip, outcome, detail)
	 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// The reads of a verification that misses the cache (a token's first use
// since the start, or after a change): parsed once per read connection,
// not per call. Parsing them was a fifth of the CPU of verifying a million
// tokens for the first time (perf of verify-scale-1000000's warm-up).
var hotReads = []string{tokenBySecretSQL, tokenExistsSQL, blockedIPsSQL, rateLimitsOfSQL}

type preparedStmts map[string]*sql.Stmt

// prepareReads prepares hotReads on the read pool: database/sql prepares
// each again on every connection it is used on.
func (db *DB) prepareReads(ctx context.Context) (err error) {
	db.reads, err = prepareAll(ctx, db.read, hotReads)
	return err
}

// prepareAll prepares queries on pool, by their text.
func prepareAll(ctx context.Context, pool *sql.DB, queries []string) (preparedStmts, error) {
	stmts := preparedStmts{}
	for _, q := range queries {
		s, err := pool.PrepareContext(ctx, q)
		if err != nil {
			for _, p := range stmts {
				p.Close()
			}
			return nil, err
		}
		stmts[q] = s
	}
	return stmts, nil
}

// readQuery runs a read, prepared when it is one of hotReads.
func (db *DB) readQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s, ok := db.reads[query]; ok {
		return s.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, query, args...)
}

// readRow is readQuery for one row.
func (db *DB) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s, ok := db.reads[query]; ok {
		return s.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, query, args...)
}

// prepareHot prepares the hot writes on the write connection.
func (db *DB) prepareHot(ctx context.Context) (err error) {
	db.stmts, err = prepareAll(ctx, db.write, []string{insertTokenSQL, insertTokenSecretSQL, insertAuditSQL,
		countLiveTokensSQL, savepointSQL, rollbackSavepointSQL, releaseSavepointSQL})
	return err
}

// inTxStmt returns the prepared query for use in tx (prepared in tx when
// it is not one of the hot ones).
func (db *DB) inTxStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts[query]; ok {
		return tx.StmtContext(ctx, s), nil
	}
	return tx.PrepareContext(ctx, query)
}
