package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MasterKeyFile is the name of the master key file in the data directory.
const MasterKeyFile = "master.key"

// MasterKey seals secrets kept at rest in the database, such as the private
// keys that sign JWT access tokens, with AES-256-GCM. A database dump alone
// never yields a usable signing key.
type MasterKey struct {
	aead cipher.AEAD
}

// NewMasterKey returns a master key from 32 bytes of key material.
func NewMasterKey(key []byte) (*MasterKey, error) {
	if len(key) != 32 {
		return nil, errors.New("master key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &MasterKey{aead: aead}, nil
}

// RandomMasterKey returns a fresh master key that lives only in memory,
// for tests and throw-away servers.
func RandomMasterKey() *MasterKey {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	k, _ := NewMasterKey(b)
	return k
}

// Seal encrypts plaintext; additional data binds the ciphertext to its
// purpose (e.g. the key ID), so a sealed value cannot be moved to another
// row.
func (k *MasterKey) Seal(plaintext, additional []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	return k.aead.Seal(nonce, nonce, plaintext, additional)
}

// Open decrypts what Seal produced with the same additional data.
func (k *MasterKey) Open(sealed, additional []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	out, err := k.aead.Open(nil, sealed[:n], sealed[n:], additional)
	if err != nil {
		return nil, errors.New("sealed value does not open with this master key")
	}
	return out, nil
}

// LoadOrCreateMasterKey returns the master key from env (64 hex
// characters) when given, else from dataDir/master.key, creating that file
// with 0600 permissions on first start.
func LoadOrCreateMasterKey(dataDir, env string) (*MasterKey, error) {
	if env != "" {
		return decodeMasterKey(env, "TOKENMINT_MASTER_KEY")
	}
	text, path, err := loadOrCreateKeyFile(dataDir, MasterKeyFile, "master key")
	if err != nil {
		return nil, err
	}
	return decodeMasterKey(text, path)
}

func decodeMasterKey(s, source string) (*MasterKey, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("master key from %s must be exactly 64 hex characters", source)
	}
	return NewMasterKey(key)
}
