package secret_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tokenmint/secret"
)

func TestMasterKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := secret.LoadOrCreateMasterKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, secret.MasterKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v %v", fi, err)
	}
	sealed := k1.Seal([]byte("private key"), []byte("kid-1"))
	if bytes.Contains(sealed, []byte("private key")) {
		t.Fatal("sealed value holds the plaintext")
	}
	k2, err := secret.LoadOrCreateMasterKey(dir, "") // a restart reads the same key
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open(sealed, []byte("kid-1")); err != nil || string(got) != "private key" {
		t.Fatalf("Open after reload = %q, %v", got, err)
	}
	if _, err := k2.Open(sealed, []byte("kid-2")); err == nil {
		t.Error("a sealed value opened under another key ID")
	}
	if _, err := secret.RandomMasterKey().Open(sealed, []byte("kid-1")); err == nil {
		t.Error("a sealed value opened with another master key")
	}
	if _, err := secret.LoadOrCreateMasterKey(dir, "abcd"); err == nil || !strings.Contains(err.Error(), "TOKENMINT_MASTER_KEY") {
		t.Errorf("short env key: %v", err)
	}
	if _, err := secret.LoadOrCreateMasterKey(dir, strings.Repeat("0f", 32)); err != nil {
		t.Errorf("env key: %v", err)
	}
}
