package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"tokenmint/secret"
	"tokenmint/sqlite"
)

func init() {
	commands["backup"] = command{"write a consistent snapshot of a running installation, with its keys", runBackup}
}

// Names inside a backup archive.
const (
	backupSQLite   = "tokenmint.db"     // SQLite: the VACUUM INTO copy
	backupPGDump   = "tokenmint.pgdump" // PostgreSQL: pg_dump --format=custom
	backupReadme   = "README.txt"
	backupFileMode = 0o600
)

// backupWarning opens every archive: it holds the keys as well as the data.
const backupWarning = `This is a tokenmint backup. It holds the database AND the key material
that opens it: the pepper (tokens are stored as HMAC-SHA256 under it) and
the master key (it seals the JWT signing keys). Whoever reads this file can
sign JWT access tokens that every resource server of this installation
accepts until the signing keys are rotated, and can test guessed tokens
offline. Keep it as you keep the data directory: readable only by the
operator (the archive is written with mode 0600), never next to the server,
encrypted at rest where it is stored (for example with age or gpg).

Restore: tokenmint restore --data-dir NEWDIR [--database postgres://...] THIS-FILE
`

func runBackup(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newCmdFlags("backup", "--out FILE [--data-dir DIR] [--database postgres://...]",
		"Writes a consistent snapshot of the installation while it serves, with the key material\n"+
			"(pepper, master key) needed to open it, into a gzip'd tar archive of mode 0600.\n"+
			"SQLite: an online copy with VACUUM INTO. PostgreSQL (--database): pg_dump --format=custom.\n"+
			"The keys come from TOKENMINT_PEPPER and TOKENMINT_MASTER_KEY when set, else from DATA-DIR.")
	dataDir := fs.String("data-dir", envOr("TOKENMINT_DATA_DIR", "./data"), "data directory (env TOKENMINT_DATA_DIR)")
	out := fs.String("out", "", "archive to write; must not exist (required)")
	database := fs.String("database", os.Getenv("TOKENMINT_DATABASE"), "PostgreSQL URL (env TOKENMINT_DATABASE); empty: the SQLite file in DATA-DIR")
	pgDump := fs.String("pg-dump", "pg_dump", "pg_dump program, for PostgreSQL (no older than the server)")
	pos, err := fs.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	if *out == "" || len(pos) > 0 {
		fmt.Fprintln(stderr, "tokenmint backup: --out FILE is required and nothing else")
		fs.printUsage(stderr)
		return errUsage
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists; a backup never overwrites a file", *out)
	}
	keys, err := backupKeys(*dataDir)
	if err != nil {
		return err
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(*out), ".tokenmint-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmpDir)

	ctx := context.Background()
	var dbName, dbPath string
	if strings.HasPrefix(*database, "postgres://") || strings.HasPrefix(*database, "postgresql://") {
		dbName, dbPath = backupPGDump, filepath.Join(tmpDir, backupPGDump)
		cmd := exec.CommandContext(ctx, *pgDump, "--format=custom", "--no-owner", "--no-privileges", "--file="+dbPath, "--dbname="+*database)
		if b, err := cmd.CombinedOutput(); err != nil {
			// pg_dump's messages name the database, never the password.
			return fmt.Errorf("pg_dump: %v: %s", err, strings.TrimSpace(string(b)))
		}
	} else if *database != "" {
		return fmt.Errorf("--database must be a postgres:// URL (SQLite is backed up from DATA-DIR)")
	} else {
		dbName, dbPath = backupSQLite, filepath.Join(tmpDir, backupSQLite)
		if err := sqlite.Backup(ctx, filepath.Join(*dataDir, "tokenmint.db"), dbPath); err != nil {
			return err
		}
	}

	files := []archiveFile{{name: backupReadme, data: []byte(backupWarning)}}
	files = append(files, keys...)
	n, err := writeArchive(*out, tmpDir, files, dbName, dbPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote %s (%d bytes, mode 0600): the %s snapshot and the keys that open it.\nIt opens the installation: keep it like the data directory.\n", *out, n, map[string]string{backupSQLite: "SQLite", backupPGDump: "PostgreSQL"}[dbName])
	return nil
}

// archiveFile is a small file of the archive held in memory.
type archiveFile struct {
	name string
	data []byte
}

// backupKeys returns the pepper and, when there is one, the master key,
// from the environment as the server reads them, else from dataDir.
func backupKeys(dataDir string) ([]archiveFile, error) {
	var files []archiveFile
	for _, k := range []struct{ env, file string }{
		{"TOKENMINT_PEPPER", secret.PepperFile},
		{"TOKENMINT_MASTER_KEY", secret.MasterKeyFile},
	} {
		if v := os.Getenv(k.env); v != "" {
			files = append(files, archiveFile{name: k.file, data: []byte(strings.TrimSpace(v) + "\n")})
			continue
		}
		b, err := os.ReadFile(filepath.Join(dataDir, k.file))
		if err != nil {
			return nil, fmt.Errorf("key material: set %s or keep %s in the data directory: %w", k.env, k.file, err)
		}
		files = append(files, archiveFile{name: k.file, data: b})
	}
	return files, nil
}

// writeArchive writes files and the database dump at dbPath (as dbName)
// into a gzip'd tar at out, through a temporary file in tmpDir made durable
// and then renamed, so out is either complete or absent. It returns the
// archive's size.
func writeArchive(out, tmpDir string, files []archiveFile, dbName, dbPath string) (int64, error) {
	tmp := filepath.Join(tmpDir, "archive")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, backupFileMode)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	now := time.Now()
	for _, af := range files {
		hdr := &tar.Header{Name: af.name, Mode: backupFileMode, Size: int64(len(af.data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return 0, err
		}
		if _, err := tw.Write(af.data); err != nil {
			return 0, err
		}
	}
	db, err := os.Open(dbPath)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	st, err := db.Stat()
	if err != nil {
		return 0, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: dbName, Mode: backupFileMode, Size: st.Size(), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return 0, err
	}
	if _, err := io.Copy(tw, db); err != nil {
		return 0, err
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	if err := gz.Close(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	size, _ := f.Seek(0, io.SeekCurrent)
	if err := f.Close(); err != nil {
		return 0, err
	}
	// Link refuses an existing target, unlike rename: a file that
	// appeared at out meanwhile is not overwritten.
	if err := os.Link(tmp, out); err != nil {
		return 0, err
	}
	return size, nil
}
