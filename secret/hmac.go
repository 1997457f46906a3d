package secret

import (
	"crypto/hmac"
	"crypto/sha256"
)

// Hasher computes the keyed hash under which secrets are stored. Without the
// pepper, a database dump alone cannot be used to test guesses.
type Hasher struct {
	pepper []byte
}

// NewHasher returns a Hasher keyed with pepper.
func NewHasher(pepper []byte) *Hasher { return &Hasher{pepper: append([]byte(nil), pepper...)} }

// Hash returns HMAC-SHA256(pepper, s).
func (h *Hasher) Hash(s string) []byte {
	m := hmac.New(sha256.New, h.pepper)
	m.Write([]byte(s))
	return m.Sum(nil)
}
