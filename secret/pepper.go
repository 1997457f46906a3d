package secret

import (
	"encoding/hex"
	"fmt"
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
	text, path, err := loadOrCreateKeyFile(dataDir, PepperFile, "pepper")
	if err != nil {
		return nil, err
	}
	return decodePepper(text, path)
}

func decodePepper(s, source string) ([]byte, error) {
	p, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(p) < 32 {
		return nil, fmt.Errorf("pepper from %s must be at least 64 hex characters", source)
	}
	return p, nil
}
