package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestPepperFileIsCreatedOnceWithOwnerOnlyPermissions(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadOrCreatePepper(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, PepperFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("pepper file: %v %v", st, err)
	}
	again, err := LoadOrCreatePepper(dir, "")
	if err != nil || !bytes.Equal(first, again) || len(first) != 32 {
		t.Fatalf("second start read another pepper (%v)", err)
	}
	if _, err := LoadOrCreatePepper(dir, "abcd"); err == nil {
		t.Fatal("a short pepper from the environment was accepted")
	}
}

func TestMasterKeyFileOpensWhatItSealed(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadOrCreateMasterKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	sealed := k1.Seal([]byte("signing key"), []byte("kid-1"))
	k2, err := LoadOrCreateMasterKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := k2.Open(sealed, []byte("kid-1")); err != nil || string(plain) != "signing key" {
		t.Fatalf("reloaded key does not open: %q %v", plain, err)
	}
	if _, err := k2.Open(sealed, []byte("kid-2")); err == nil {
		t.Fatal("sealed value opened with other additional data")
	}
	if st, err := os.Stat(filepath.Join(dir, MasterKeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v %v", st, err)
	}
	if _, err := LoadOrCreateMasterKey(dir, "zz"); err == nil {
		t.Fatal("a malformed master key from the environment was accepted")
	}
}
