package service

import (
	"encoding/binary"
	"unsafe"
)

// tokenKey is a token ID without a pointer: the 16 bytes of the canonical
// UUID every ID the service makes is, or, for any other ID (tests, data
// from elsewhere), its number in names with odd set.
type tokenKey struct {
	b   [16]byte
	odd bool
}

// makeTokenKey returns id's key; false only when id is odd and names is
// full, and the caller does not cache.
func makeTokenKey(id string) (tokenKey, bool) { return tokenKeyBy(id, names.id) }

// findTokenKey returns id's key when the cache can hold the token: false
// for an odd ID never numbered, which no entry names.
func findTokenKey(id string) (tokenKey, bool) { return tokenKeyBy(id, names.lookup) }

// tokenKeyBy is id's key, an odd ID numbered by number.
func tokenKeyBy(id string, number func(string) (uint32, bool)) (tokenKey, bool) {
	var k tokenKey
	if parseUUID(id, &k.b) {
		return k, true
	}
	n, ok := number(id)
	binary.LittleEndian.PutUint32(k.b[:4], n)
	k.odd = true
	return k, ok
}

// String returns the token ID.
func (k tokenKey) String() string {
	if k.odd {
		return names.value(binary.LittleEndian.Uint32(k.b[:4]))
	}
	return formatUUID(&k.b)
}

// text returns the token ID, a canonical one written into buf: the string
// lives where buf does, so a verification's result holds it without an
// allocation of its own.
func (k *tokenKey) text(buf *[36]byte) string {
	if k.odd {
		return k.String()
	}
	formatUUIDInto(buf, &k.b)
	return unsafe.String(&buf[0], len(buf))
}
