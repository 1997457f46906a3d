package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"tokenmint/copydb"
	"tokenmint/secret"
)

func init() {
	commands["migrate"] = command{"copy a SQLite installation into an empty PostgreSQL database", runMigrate}
}

func runMigrate(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokenmint migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", envOr("TOKENMINT_DATA_DIR", "./data"), "data directory of the SQLite installation (env TOKENMINT_DATA_DIR)")
	from := fs.String("from", "", "SQLite file to copy (default: DATA-DIR/tokenmint.db)")
	to := fs.String("to", "", "target PostgreSQL URL, postgres://... (required; the database must hold no tokenmint data)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: tokenmint migrate --to postgres://... [--data-dir DIR | --from FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if !strings.HasPrefix(*to, "postgres://") && !strings.HasPrefix(*to, "postgresql://") {
		fmt.Fprintln(stderr, "tokenmint migrate: --to postgres://... is required")
		return errUsage
	}
	src := *from
	if src == "" {
		src = filepath.Join(*dataDir, "tokenmint.db")
	}
	src = strings.TrimPrefix(src, "sqlite:")
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("source database: %w", err)
	}
	res, err := copydb.SQLiteToPostgres(context.Background(), src, *to)
	if err != nil {
		return err
	}
	tables := make([]string, 0, len(res.Tables))
	for t := range res.Tables {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	fmt.Fprintf(stdout, "Copied %s into %s:\n", src, redactURL(*to))
	for _, t := range tables {
		fmt.Fprintf(stdout, "  %-20s %d rows\n", t, res.Tables[t])
	}
	fmt.Fprintf(stdout, "\nTokens are stored as keyed hashes: run every instance with the same pepper as this\ninstallation, e.g. TOKENMINT_PEPPER=$(cat %s).\nJWT signing keys are sealed with a master key: give every instance this installation's\nmaster key too, e.g. TOKENMINT_MASTER_KEY=$(cat %s).\n",
		filepath.Join(filepath.Dir(src), "pepper"), filepath.Join(filepath.Dir(src), secret.MasterKeyFile))
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
