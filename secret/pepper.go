package secret

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// PepperFile is the name of the pepper file in the data directory.
const PepperFile = "pepper"

// LoadOrCreatePepper returns the pepper from env (hex, at least 32 bytes)
// when given, else from dataDir/pepper, creating that file with 0600
// permissions on first start.
func LoadOrCreatePepper(dataDir, env string) ([]byte, error) {
	if env != "" {
		return decodePepper(env, "TOKENMINT_PEPPER")
	}
	path := filepath.Join(dataDir, PepperFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return decodePepper(string(b), path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read pepper: %w", err)
	}
	p := make([]byte, 32)
	if _, err := rand.Read(p); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create pepper: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(p) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write pepper: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return p, f.Close()
}

func decodePepper(s, source string) ([]byte, error) {
	p, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(p) < 32 {
		return nil, fmt.Errorf("pepper from %s must be at least 64 hex characters", source)
	}
	return p, nil
}
