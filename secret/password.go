package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id cost parameters.
type PasswordParams struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultPasswordParams follow OWASP's first argon2id configuration (46 MiB,
// 1 pass, 1 lane): about 50 ms per hash on this project's 2-core machines.
var DefaultPasswordParams = PasswordParams{Time: 1, Memory: 46 * 1024, Threads: 1}

// TestPasswordParams are cheap parameters for test suites, where hundreds
// of users are created under the race detector. Never use them in serving.
var TestPasswordParams = PasswordParams{Time: 1, Memory: 64, Threads: 1}

const (
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns an argon2id hash with the default parameters.
func HashPassword(pw string) (string, error) { return DefaultPasswordParams.Hash(pw) }

// Hash returns an argon2id hash of pw in the PHC string format.
func (p PasswordParams) Hash(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches a hash made by HashPassword,
// honouring the parameters recorded in the hash.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when a user does not exist, so a login for
// an unknown name costs as much as one for a known name.
var (
	dummyOnce sync.Once
	dummyHash string
)

// BurnPasswordCheck spends the time of one password verification.
func BurnPasswordCheck(pw string) {
	dummyOnce.Do(func() { dummyHash, _ = HashPassword("tokenmint-timing-equaliser") })
	VerifyPassword(dummyHash, pw)
}
