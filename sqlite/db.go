// Package sqlite implements tokenmint.Store on an embedded SQLite file with
// the pure-Go driver modernc.org/sqlite, so the binary needs no cgo. The
// schema is created and upgraded by migrations embedded in the binary.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"tokenmint"

	// The pure-Go SQLite driver registers itself as "sqlite".
	_ "modernc.org/sqlite"
)

var _ tokenmint.Store = (*DB)(nil)

// DB is a tokenmint.Store on one SQLite file.
//
// SQLite lets one connection write at a time. Rather than let several
// connections race for the write lock (and fail with SQLITE_BUSY once the
// busy timeout runs out under load), every write goes through a pool of
// exactly one connection, so writers queue inside database/sql in Go.
// Reads use a separate pool of several connections: in WAL mode readers
// never block the writer nor each other.
type DB struct {
	path  string
	write *sql.DB // exactly one connection: the only writer
	read  *sql.DB // several query-only connections
	// group shares one transaction among concurrent token creations.
	group *tokenmint.GroupCommit[groupOp]
	stmts preparedStmts
	reads preparedStmts // hotReads, on the read pool
}

// busyTimeout is how long a connection waits for a lock held by another
// process (the CLI, a second server on the same file) before failing.
const busyTimeout = 5 * time.Second

// Open opens or creates the SQLite file at path and brings its schema up to
// date. path must name a file: the read and write pools are separate
// connections and would not share an in-memory database.
func Open(path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: a database file path is required")
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	// Keep the writer open for the life of the DB: reopening it would re-run
	// the connection pragmas for nothing.
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	db := &DB{path: path, write: write}
	db.group = db.newGroupWriter()
	// Migrations run before the read pool opens, so the file exists in WAL
	// mode by the time query-only connections attach to it.
	if err := migrate(context.Background(), write, migrations()); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}

	if err := db.prepareHot(context.Background()); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: prepare %s: %w", path, err)
	}

	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db.read = read
	if err := db.Ping(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.prepareReads(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: prepare reads %s: %w", path, err)
	}
	return db, nil
}

// dsn builds the driver's connection string. The pragmas are given in the
// DSN because busy_timeout, foreign_keys and query_only are per connection:
// the driver applies them to every connection the pool opens.
//
// _txlock=immediate makes every write transaction take the write lock at
// BEGIN. A deferred transaction that reads first and writes later can fail
// with SQLITE_BUSY when another process writes in between, and the busy
// timeout does not help in that case.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	if readOnly {
		q.Set("_query_only", "on")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_txlock", "immediate")
		// The savepoint of each write in a shared transaction
		// (groupcommit.go) journals every page it changes; in a temporary
		// file that was a write system call per page, an eighth of a
		// token creation's CPU. Durability does not depend on it: a
		// savepoint's journal only serves its own rollback.
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Path returns the file the DB was opened on.
func (db *DB) Path() string { return db.path }

// Ping reports whether both connection pools answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping writer: %w", err)
	}
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping reader: %w", err)
	}
	return nil
}

// Close closes both connection pools.
func (db *DB) Close() error {
	var err error
	if db.read != nil {
		err = db.read.Close()
	}
	for _, s := range db.stmts {
		s.Close()
	}
	for _, s := range db.reads {
		s.Close()
	}
	if werr := db.write.Close(); werr != nil && err == nil {
		err = werr
	}
	return err
}

// inTx runs fn in a write transaction and commits it if fn succeeds. The
// single write connection is held for the whole transaction, so fn must use
// tx only, never db.write (that would wait for itself).
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return wrap("begin", err) // a locked, full or read-only file is an outage
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrap("commit", err)
	}
	return nil
}
