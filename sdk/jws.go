package sdk

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
)

// The compact JWS is parsed here by hand rather than with go-jose, for the
// two algorithms tokenmint signs with (EdDSA and ES256) and nothing else.
// With go-jose's general parser (any algorithm, JSON and compact forms,
// header maps, a reflecting JSON decoder) a new token cost 1.3 to 1.5
// times a bare Ed25519 check, with 126 allocations (8 KB); this path costs
// 1.0 to 1.2 times, with 16 (1.1 KB): BenchmarkVerifyJWTNew, same busy
// 2-core machine, both measured in turn. What go-jose checked is still checked: exactly
// three segments of unpadded base64url (strictly: no stray bits, so a
// token has one spelling), header and claims that are JSON objects with
// exact keys and no key twice (jsonReader), no "crit" extension, and an
// algorithm of our two. The algorithm that counts is the published key's,
// not the header's: the header must name the key's algorithm or the token
// is refused, so a token cannot choose how it is checked. The signature is
// checked before the claims are read. FuzzParseJWT holds this parser to
// go-jose's verdicts.

// maxJWTLen bounds the tokens parsed: tokenmint's are well under a
// kilobyte, and a megabyte header must not cost a megabyte of work.
const maxJWTLen = 16 << 10

// jwsHeader is the protected header of an access token. Every field is
// under the signature; only kid and alg are read before it is checked,
// to find the key.
type jwsHeader struct {
	Alg, Kid, Typ string
}

// parseHeader decodes the header. A "crit" header is refused: it names
// extensions the recipient must understand (RFC 7515 §4.1.11), and this
// one understands none.
func parseHeader(b []byte, h *jwsHeader) bool {
	r := &jsonReader{b: b}
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "alg":
			return r.strInto(&h.Alg)
		case "kid":
			return r.strInto(&h.Kid)
		case "typ":
			return r.strInto(&h.Typ)
		case "crit":
			return false
		}
		return r.skip()
	}) && r.end()
}

// b64 decodes unpadded base64url and refuses non-canonical spellings.
var b64 = base64.RawURLEncoding.Strict()

// jws is a compact JWS split and decoded, its signature not yet checked.
type jws struct {
	header    jwsHeader
	signed    string // header.payload, what the signature covers
	payload   []byte
	signature []byte
}

// parseJWS splits and decodes a compact JWS, or returns false.
func parseJWS(raw string) (jws, bool) {
	if len(raw) > maxJWTLen {
		return jws{}, false
	}
	h, rest, ok1 := strings.Cut(raw, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || h == "" || p == "" || s == "" || strings.IndexByte(s, '.') >= 0 {
		return jws{}, false
	}
	// One buffer for the three decoded segments.
	buf := make([]byte, b64.DecodedLen(len(h))+b64.DecodedLen(len(p))+b64.DecodedLen(len(s)))
	hb, ok := decodeInto(buf, h)
	if !ok {
		return jws{}, false
	}
	pb, ok := decodeInto(buf[len(hb):], p)
	if !ok {
		return jws{}, false
	}
	sb, ok := decodeInto(buf[len(hb)+len(pb):], s)
	if !ok {
		return jws{}, false
	}
	t := jws{signed: raw[:len(h)+1+len(p)], payload: pb, signature: sb}
	if !parseHeader(hb, &t.header) {
		return jws{}, false
	}
	return t, true
}

// decodeInto decodes s at the start of dst and returns the bytes written.
func decodeInto(dst []byte, s string) ([]byte, bool) {
	n, err := b64.Decode(dst, []byte(s))
	if err != nil {
		return nil, false
	}
	return dst[:n:n], true
}

// verifySignature checks the signature with the published key, under the
// algorithm the key is published for, which the header must name.
func (t *jws) verifySignature(k *publicKey) bool {
	if t.header.Alg != k.alg {
		return false
	}
	switch {
	case k.alg == "EdDSA" && k.ed != nil:
		return len(k.ed) == ed25519.PublicKeySize && ed25519.Verify(k.ed, []byte(t.signed), t.signature)
	case k.alg == "ES256" && k.ec != nil:
		// RFC 7518 §3.4: R and S as 32-byte big-endian integers, not DER.
		if len(t.signature) != 64 {
			return false
		}
		sum := sha256.Sum256([]byte(t.signed))
		r := new(big.Int).SetBytes(t.signature[:32])
		s := new(big.Int).SetBytes(t.signature[32:])
		return ecdsa.Verify(k.ec, sum[:], r, s)
	}
	return false
}
