package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationsFS holds the schema migrations, applied in file-name order. A
// later change adds a file (0002_....sql); applied files are never edited,
// because a database that already ran one would not run it again.
//
//go:embed migrations/*.sql
var migrationsFS embed.FS

// migrationLockKey is the pg_advisory_lock key under which migrations run,
// so instances starting at once apply each migration exactly once. It is
// an arbitrary constant ("tokenmig" in ASCII) that other software on the
// same database is unlikely to use.
const migrationLockKey int64 = 0x746f6b656e6d6967

// migrate applies every embedded migration the database has not recorded
// in schema_migrations yet, each in its own transaction together with its
// record, so a failed migration leaves neither half a schema nor a false
// record.
//
// It holds a session-level advisory lock on one connection of the pool
// meanwhile, which the server releases should this process die halfway.
// The lock is polled with pg_try_advisory_lock rather than waited for, so
// waiting for another instance's migrations is bounded by ctx, not by the
// statement timeout; the migrations themselves lift the timeout, since
// rewriting a big table may take longer than any request should.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return wrap("migrate: connect", err)
	}
	defer c.Release()
	if err := lockMigrations(ctx, c); err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), statementTimeout)
		defer cancel()
		if _, err := c.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrationLockKey); err != nil {
			// Closing the session is the sure way to release its lock;
			// the pool then drops the connection.
			c.Conn().Close(ctx)
		}
	}()

	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text COLLATE "C" PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return wrap("migrate: create schema_migrations", err)
	}
	names, err := fs.Glob(migrationsFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	sort.Strings(names)
	applied, err := appliedMigrations(ctx, c.Conn())
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, name := range names {
		known[versionOf(name)] = true
	}
	// Running old code on a schema a newer version changed could corrupt
	// data the old code does not know about.
	for v := range applied {
		if !known[v] {
			return fmt.Errorf("postgres: database has migration %s, unknown to this version of tokenmint", v)
		}
	}
	for _, name := range names {
		if applied[versionOf(name)] {
			continue
		}
		if err := applyMigration(ctx, c.Conn(), name); err != nil {
			return err
		}
	}
	return nil
}

// lockMigrations takes the migration lock, waiting while another instance
// holds it.
func lockMigrations(ctx context.Context, c *pgxpool.Conn) error {
	for {
		var ok bool
		if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, migrationLockKey).Scan(&ok); err != nil {
			return wrap("migrate: lock", err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return wrap("migrate: wait for another instance's migrations", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// versionOf names a migration by its file name, as package sqlite does.
func versionOf(path string) string { return path[len("migrations/"):] }

func appliedMigrations(ctx context.Context, conn *pgx.Conn) (map[string]bool, error) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, wrap("migrate: read schema_migrations", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("migrate: read schema_migrations", err)
	}
	applied := make(map[string]bool, len(versions))
	for _, v := range versions {
		applied[v] = true
	}
	return applied, nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, name string) error {
	body, err := migrationsFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	version := versionOf(name)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		// Without arguments pgx uses the simple protocol, which runs a file
		// of several statements in one go.
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version)
		return err
	})
	if err != nil {
		return wrap("migrate "+version, err)
	}
	return nil
}
