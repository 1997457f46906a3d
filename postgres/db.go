// Package postgres implements tokenmint.Store on PostgreSQL with pgx, for
// running several stateless tokenmint instances behind a load balancer. The
// schema is created and upgraded by migrations embedded in the binary.
//
// Rules (permissions, limits, auditing) live in package service; this
// package only stores data, with the same semantics as package sqlite, as
// the shared conformance suite in package storetest checks.
package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tokenmint"
)

var _ tokenmint.Store = (*DB)(nil)

// DB is a tokenmint.Store on a PostgreSQL database, safe for concurrent
// use by any number of goroutines and instances.
type DB struct {
	pool *pgxpool.Pool
	// listening is true while ListenChanges holds a LISTENing connection.
	listening atomic.Bool
}

const (
	// defaultMaxConns bounds the connections one instance opens when the
	// URL does not say (pool_max_conns): enough for a busy instance, small
	// enough that a handful of instances stay well under PostgreSQL's
	// default max_connections of 100.
	defaultMaxConns = 16
	// statementTimeout ends any statement that runs longer, so a stuck
	// lock or a runaway query fails a request instead of hanging it.
	statementTimeout = 5 * time.Second
	// connectTimeout bounds each connection attempt, so an unreachable
	// server is reported as unavailable quickly.
	connectTimeout = 5 * time.Second
)

// Open connects to the database at url (postgres://user:pass@host/db?...)
// and brings its schema up to date. Settings given in the URL (for example
// pool_max_conns, connect_timeout or options=-c statement_timeout=...) take
// precedence over tokenmint's defaults.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, fmt.Errorf("postgres: the database URL is not valid")
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	params := cfg.ConnConfig.RuntimeParams
	if _, ok := params["statement_timeout"]; !ok && !strings.Contains(params["options"], "statement_timeout") {
		params["statement_timeout"] = fmt.Sprint(statementTimeout.Milliseconds())
	}
	if _, ok := params["application_name"]; !ok {
		params["application_name"] = "tokenmint"
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("open pool", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{pool: pool}, nil
}

// Pool returns the connection pool, for the parts of tokenmint that
// coordinate instances through the database (locks, notifications).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return wrap("ping", db.pool.Ping(ctx))
}

// Close closes every connection of the pool, waiting for those in use.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// maxAttempts is how often a transaction is tried when PostgreSQL aborts it
// for a serialization failure or a deadlock.
const maxAttempts = 5

// inTx runs fn in a transaction and commits it if fn succeeds. When the
// database aborts the transaction because it conflicted with another one
// (serialization failure, deadlock) or the connection failed before
// anything was sent, the whole transaction is tried again, with a short
// random backoff so the contenders do not collide again in step. fn must
// therefore have no effects outside tx.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return wrap("transaction", err)
		}
		backoff := time.Duration(attempt*attempt)*5*time.Millisecond +
			rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return wrap("transaction", err)
		case <-time.After(backoff):
		}
	}
}
