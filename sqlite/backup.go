package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Backup writes a consistent copy of the database file src into dst, a
// file that must not exist yet, while servers keep reading and writing
// src: VACUUM INTO copies what one read transaction sees, so the copy
// holds every transaction committed before it began and nothing of those
// committed after. The copy is a complete database of its own (no WAL
// file goes with it), compacted on the way.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(src, false))
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check on the database file at path
// and returns its findings; nil means the file is sound.
func IntegrityCheck(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: integrity check: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: integrity check: %w", err)
	}
	defer rows.Close()
	var findings []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("sqlite: integrity check: %w", err)
		}
		if s != "ok" {
			findings = append(findings, s)
		}
	}
	return findings, rows.Err()
}
