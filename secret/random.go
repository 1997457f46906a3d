// Package secret generates and protects secrets: random tokens and IDs, the
// peppered HMAC under which token secrets are stored, argon2id password
// hashes, and the pepper file kept in the data directory.
package secret

import (
	"crypto/rand"
	"encoding/base64"
	"math/big"

	"github.com/google/uuid"

	"tokenmint"
)

var base62Max = big.NewInt(int64(len(tokenmint.Base62Alphabet)))

// Base62 returns n characters drawn uniformly from the base62 alphabet by
// crypto/rand (rejection sampling through rand.Int avoids modulo bias).
func Base62(n int) string {
	out := make([]byte, n)
	for i := range out {
		v, err := rand.Int(rand.Reader, base62Max)
		if err != nil {
			// crypto/rand never fails on supported platforms; if it does,
			// continuing would hand out guessable secrets.
			panic("secret: crypto/rand failed: " + err.Error())
		}
		out[i] = tokenmint.Base62Alphabet[v.Int64()]
	}
	return string(out)
}

// NewToken returns a fresh token of the given kind (30 random base62
// characters, about 178 bits).
func NewToken(kind byte) string {
	return tokenmint.FormatToken(kind, Base62(tokenmint.RandomLen))
}

// NewID returns a new object ID. UUIDv7 sorts by creation time, which lets
// lists page newest first by ID alone.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Opaque returns n random bytes as unpadded URL-safe base64, for session
// IDs and CSRF tokens.
func Opaque(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
