package secret

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// loadOrCreateKeyFile returns the text of dataDir/name, or on first start
// writes 32 fresh random bytes there as hex, readable by the owner only
// (0600), and returns that text. what names the key in errors.
func loadOrCreateKeyFile(dataDir, name, what string) (text, path string, err error) {
	path = filepath.Join(dataDir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		return string(b), path, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", path, fmt.Errorf("read %s: %w", what, err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", path, err
	}
	text = hex.EncodeToString(key) + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", path, fmt.Errorf("create %s: %w", what, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return "", path, fmt.Errorf("write %s: %w", what, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", path, err
	}
	return text, path, f.Close()
}
