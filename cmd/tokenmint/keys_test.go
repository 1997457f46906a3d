package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tokenmint/sqlite"
)

func TestKeysRotateCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "keys-admin-password")
	var out, errb bytes.Buffer
	if code := run([]string{"init", "--data-dir", dir, "--log-level", "error"}, nil, &out, &errb); code != 0 {
		t.Fatalf("init: %d %s", code, errb.String())
	}
	fi, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v %v", fi, err)
	}
	for i, want := range []string{"2 key(s)", "3 key(s)"} {
		out.Reset()
		if code := run([]string{"keys", "rotate", "--data-dir", dir, "--log-level", "error"}, nil, &out, &errb); code != 0 {
			t.Fatalf("keys rotate %d: %d %s", i, code, errb.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("keys rotate %d: %q, want %s published", i, out.String(), want)
		}
	}
	db, err := sqlite.Open(filepath.Join(dir, "tokenmint.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys, err := db.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, k := range keys {
		if k.RetiredAt == nil {
			active++
		}
		// The database holds only the sealed private key.
		if bytes.Contains(k.SealedPrivateKey, []byte("PRIVATE")) || len(k.SealedPrivateKey) < 40 {
			t.Errorf("key %s: private key not sealed", k.ID)
		}
	}
	if len(keys) != 3 || active != 1 {
		t.Errorf("%d keys, %d active; want 3 and 1", len(keys), active)
	}
	// A wrong master key cannot start the server.
	t.Setenv("TOKENMINT_MASTER_KEY", strings.Repeat("ab", 32))
	if code := run([]string{"init", "--data-dir", dir, "--log-level", "error"}, nil, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "master key") {
		t.Errorf("wrong master key: exit %d %s", code, errb.String())
	}
	if run([]string{"keys"}, nil, &out, &errb) != 2 {
		t.Error("keys without a subcommand should be a usage error")
	}
}
