package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"time"
)

// migrationsFS holds the schema migrations, applied in file-name order. A
// later change adds a file (0002_....sql); applied files are never edited,
// because a database that already ran one would not run it again.
//
//go:embed migrations/*.sql
var migrationsFS embed.FS

// migrations returns the embedded migrations directory.
func migrations() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// migrate applies every *.sql file of fsys that schema_migrations does not
// list yet, each in its own transaction together with its record, so a
// failed migration leaves neither half a schema nor a false record.
//
// The write transactions take SQLite's write lock at BEGIN (see dsn), so
// two processes opening a new file at once apply each migration once.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	if err := refuseNewer(ctx, db, names); err != nil {
		return err
	}
	for _, name := range names {
		if err := applyMigration(ctx, db, fsys, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// refuseNewer fails when the file was migrated by a newer binary: running
// old code on a newer schema could corrupt data the old code does not know.
func refuseNewer(ctx context.Context, db *sql.DB, known []string) error {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return err
	}
	defer rows.Close()
	knownSet := make(map[string]bool, len(known))
	for _, n := range known {
		knownSet[n] = true
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if !knownSet[v] {
			return fmt.Errorf("database has migration %s, unknown to this version of tokenmint", v)
		}
	}
	return rows.Err()
}

func applyMigration(ctx context.Context, db *sql.DB, fsys fs.FS, name string) error {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		name, toMicro(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}
