package tokenmint

import (
	"encoding/base64"
	"hash/crc32"
	"strings"
)

// Token kinds: the letter after "tm" in a token's text.
const (
	KindUser         = 'u'
	KindApplication  = 'a'
	KindRefresh      = 'r'
	KindClientSecret = 'c'
)

const (
	// Base62Alphabet is the alphabet of the random and checksum parts.
	Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	// RandomLen is the number of random base62 characters in a token.
	RandomLen   = 30
	checksumLen = 6
	prefixLen   = 4 // "tm" + kind + "_"
	// TokenLen is the length of a plain token.
	TokenLen = prefixLen + RandomLen + checksumLen
	// DisplayPrefixLen is how much of a token is kept for display.
	DisplayPrefixLen = prefixLen + 6
)

// FormatToken builds a token from its kind and 30 random base62 characters:
// "tm" + kind + "_" + random + 6 base62 characters of CRC32 over the rest.
// The random part comes from the caller (package secret) so the domain does
// no I/O.
func FormatToken(kind byte, random string) string {
	body := "tm" + string(kind) + "_" + random
	return body + checksum(body)
}

func checksum(body string) string {
	out := checksumOf(body)
	return string(out[:])
}

// checksumOf is the checksum as an array, which verification compares
// without allocating.
func checksumOf(body string) [checksumLen]byte {
	sum := crc32OfString(body)
	var out [checksumLen]byte
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = Base62Alphabet[sum%62]
		sum /= 62
	}
	return out
}

// crc32OfString is crc32.ChecksumIEEE(body) over the string itself, table
// by table entry: the package takes a []byte, and converting a token (longer
// than the 32 bytes the compiler converts on the stack) cost an allocation
// on every verification.
func crc32OfString(body string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(body); i++ {
		crc = crc32.IEEETable[byte(crc)^body[i]] ^ (crc >> 8)
	}
	return ^crc
}

// EncodeToken returns the encoded form of a plain token: standard base64.
func EncodeToken(plain string) string { return base64.StdEncoding.EncodeToString([]byte(plain)) }

// ParseToken accepts a plain or encoded token and returns the plain token
// and its kind. It checks the shape and the checksum, so a mistyped or made
// up token is rejected without any storage lookup.
func ParseToken(s string) (plain string, kind byte, err error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "tm") {
		// The encoded form of a valid token is 56 base64 characters.
		if dec, derr := base64.StdEncoding.DecodeString(s); derr == nil && strings.HasPrefix(string(dec), "tm") {
			s = string(dec)
		}
	}
	if len(s) != TokenLen || s[0] != 't' || s[1] != 'm' || s[3] != '_' {
		return "", 0, Errorf(EUNAUTHORIZED, "malformed token")
	}
	switch s[2] {
	case KindUser, KindApplication, KindRefresh, KindClientSecret:
	default:
		return "", 0, Errorf(EUNAUTHORIZED, "malformed token")
	}
	for i := prefixLen; i < TokenLen; i++ {
		if strings.IndexByte(Base62Alphabet, s[i]) < 0 {
			return "", 0, Errorf(EUNAUTHORIZED, "malformed token")
		}
	}
	if sum := checksumOf(s[:TokenLen-checksumLen]); string(sum[:]) != s[TokenLen-checksumLen:] {
		return "", 0, Errorf(EUNAUTHORIZED, "token checksum mismatch")
	}
	return s, s[2], nil
}
