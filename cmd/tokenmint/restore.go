package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"tokenmint/postgres"
	"tokenmint/secret"
	"tokenmint/sqlite"
)

func init() {
	commands["restore"] = command{"rebuild an installation from a backup archive", runRestore}
}

func runRestore(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newCmdFlags("restore", "--data-dir NEWDIR [--database postgres://...] FILE",
		"Rebuilds an installation from an archive written by 'tokenmint backup': the key material\n"+
			"(pepper, master key) goes into NEWDIR with mode 0600, and the database into\n"+
			"NEWDIR/tokenmint.db (SQLite) or, for a PostgreSQL archive, into the empty database\n"+
			"--database names (with pg_restore). NEWDIR must not exist or be empty.")
	dataDir := fs.String("data-dir", "", "new data directory (required; must not exist or be empty)")
	database := fs.String("database", "", "empty PostgreSQL database to restore a PostgreSQL archive into")
	pgRestore := fs.String("pg-restore", "pg_restore", "pg_restore program, for PostgreSQL")
	pos, err := fs.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	if *dataDir == "" || len(pos) != 1 {
		fmt.Fprintln(stderr, "tokenmint restore: --data-dir NEWDIR and one archive are required")
		fs.printUsage(stderr)
		return errUsage
	}
	if entries, err := os.ReadDir(*dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; restore into a new data directory", *dataDir)
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	got, err := extractArchive(pos[0], *dataDir)
	if err != nil {
		return err
	}
	if !got[secret.PepperFile] {
		return fmt.Errorf("the archive holds no pepper: it cannot open the tokens")
	}
	ctx := context.Background()
	switch {
	case got[backupSQLite]:
		if *database != "" {
			return fmt.Errorf("the archive holds a SQLite database; leave out --database")
		}
		// Opening applies the migrations this binary has over the backup's.
		db, err := sqlite.Open(filepath.Join(*dataDir, backupSQLite))
		if err != nil {
			return err
		}
		db.Close()
		if findings, err := sqlite.IntegrityCheck(ctx, filepath.Join(*dataDir, backupSQLite)); err != nil || len(findings) > 0 {
			return fmt.Errorf("the restored database fails its integrity check: %v %v", findings, err)
		}
		fmt.Fprintf(stdout, "Restored into %s. Start it with: tokenmint serve --data-dir %s\n", *dataDir, *dataDir)
	case got[backupPGDump]:
		if !strings.HasPrefix(*database, "postgres://") && !strings.HasPrefix(*database, "postgresql://") {
			return fmt.Errorf("the archive holds a PostgreSQL dump: name the empty database to restore it into with --database URL")
		}
		dump := filepath.Join(*dataDir, backupPGDump)
		defer os.Remove(dump)
		cmd := exec.CommandContext(ctx, *pgRestore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname="+*database, dump)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("pg_restore: %v: %s", err, strings.TrimSpace(string(b)))
		}
		db, err := postgres.Open(ctx, *database)
		if err != nil {
			return err
		}
		db.Close()
		fmt.Fprintf(stdout, "Restored the database into %s and the keys into %s.\nRun every instance with them: TOKENMINT_PEPPER=$(cat %s) TOKENMINT_MASTER_KEY=$(cat %s)\n",
			redactURL(*database), *dataDir, filepath.Join(*dataDir, secret.PepperFile), filepath.Join(*dataDir, secret.MasterKeyFile))
	default:
		return fmt.Errorf("the archive holds no database")
	}
	return nil
}

// extractArchive writes the known files of the archive at path into dir,
// each with mode 0600, and reports which it found. Any other name (a path,
// a link) is refused: an archive must not write outside dir.
func extractArchive(path, dir string) (map[string]bool, error) {
	known := map[string]bool{backupSQLite: true, backupPGDump: true, backupReadme: true, secret.PepperFile: true, secret.MasterKeyFile: true}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a tokenmint backup: %w", path, err)
	}
	tr := tar.NewReader(gz)
	got := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s is damaged: %w", path, err)
		}
		if hdr.Typeflag != tar.TypeReg || !known[hdr.Name] || got[hdr.Name] {
			return nil, fmt.Errorf("%s is not a tokenmint backup: unexpected entry %q", path, hdr.Name)
		}
		if hdr.Name == backupReadme {
			continue
		}
		out, err := os.OpenFile(filepath.Join(dir, hdr.Name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, backupFileMode)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(out, tr)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", hdr.Name, err)
		}
		got[hdr.Name] = true
	}
}
