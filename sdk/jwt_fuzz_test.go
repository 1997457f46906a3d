package sdk

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"
	"github.com/go-jose/go-jose/v4/jwt"
)

// fuzzKeys are fixed keys, so that inputs signed with them stay valid
// from one run to the next: kid "ed" (EdDSA) and kid "ec" (ES256).
type fuzzKeys struct {
	ed    ed25519.PrivateKey
	ec    *ecdsa.PrivateKey
	byKid map[string]*publicKey
}

func newFuzzKeys(tb testing.TB) *fuzzKeys {
	tb.Helper()
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	k := &fuzzKeys{ed: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)), ec: ec}
	k.byKid = map[string]*publicKey{
		"ed": {kid: "ed", alg: "EdDSA", ed: k.ed.Public().(ed25519.PublicKey)},
		"ec": {kid: "ec", alg: "ES256", ec: &ec.PublicKey},
	}
	return k
}

// sign makes a compact JWS of header and payload, signed by the ES256 key
// when the header mentions ES256 and by the EdDSA key otherwise.
func (k *fuzzKeys) sign(tb testing.TB, header, payload []byte) string {
	tb.Helper()
	in := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	var sig []byte
	if bytes.Contains(header, []byte("ES256")) {
		sum := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, sum[:])
		if err != nil {
			tb.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	} else {
		sig = ed25519.Sign(k.ed, []byte(in))
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// public is the go-jose form of the key with the kid.
func (k *fuzzKeys) public(kid string) any {
	if kid == "ec" {
		return &k.ec.PublicKey
	}
	return k.ed.Public()
}

// refClaims is how the SDK decoded claims before, with go-jose: the
// reference the hand-written reader is held to.
type refClaims struct {
	jwt.Claims
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	Tenant    string `json:"tenant"`
	OwnerKind string `json:"owner_kind"`
	Project   string `json:"project"`
}

// sameClaims fails t when c and ref differ.
func sameClaims(t *testing.T, c *accessClaims, ref *refClaims) {
	t.Helper()
	date := func(d time.Time, r *jwt.NumericDate) bool {
		return d.IsZero() == (r == nil) && (d.IsZero() || d.Unix() == int64(*r))
	}
	if c.Issuer != ref.Issuer || c.Subject != ref.Subject || c.ID != ref.ID || !slices.Equal(c.Audience, []string(ref.Audience)) ||
		c.ClientID != ref.ClientID || c.Scope != ref.Scope || c.Tenant != ref.Tenant || c.OwnerKind != ref.OwnerKind ||
		c.Project != ref.Project || !date(c.Expiry, ref.Expiry) || !date(c.NotBefore, ref.NotBefore) || !date(c.IssuedAt, ref.IssuedAt) {
		t.Fatalf("claims differ from go-jose's:\n ours %+v\n go-jose %+v", *c, *ref)
	}
}

// onlyKnownHeaders reports whether a header has no parameter but alg, kid
// and typ: go-jose checks some others (jwk, x5c, …) that the SDK ignores.
func onlyKnownHeaders(raw string) bool {
	h, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	var m map[string]josejson.RawMessage
	if err != nil || josejson.Unmarshal(b, &m) != nil {
		return false
	}
	for k := range m {
		if k != "alg" && k != "kid" && k != "typ" {
			return false
		}
	}
	return true
}

// checkToken runs the SDK's offline checks but for typ and times (parse,
// key by kid, algorithm, signature, claims) and, when they pass, requires
// go-jose to accept the token too, with the same header and claims.
func checkToken(t *testing.T, keys *fuzzKeys, raw string) {
	t.Helper()
	tok, ok := parseJWS(raw)
	if !ok {
		return
	}
	key := keys.byKid[tok.header.Kid]
	if key == nil || !tok.verifySignature(key) {
		return
	}
	c, ok := decodeClaims(tok.payload)
	if !ok {
		return
	}
	ref, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	if err != nil {
		if onlyKnownHeaders(raw) {
			t.Fatalf("accepted %q, which go-jose refuses: %v", raw, err)
		}
		return
	}
	h := ref.Headers[0]
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if h.Algorithm != tok.header.Alg || h.KeyID != tok.header.Kid || typ != tok.header.Typ {
		t.Fatalf("header %+v, go-jose's alg %q kid %q typ %q", tok.header, h.Algorithm, h.KeyID, typ)
	}
	var rc refClaims
	if err := ref.Claims(keys.public(tok.header.Kid), &rc); err != nil {
		t.Fatalf("accepted %q, whose signature or claims go-jose refuses: %v", raw, err)
	}
	sameClaims(t, &c, &rc)
}

// FuzzParseJWT holds the hand-written JWS parser and JSON reader to
// go-jose, which the SDK used before: whatever the SDK accepts, go-jose
// accepts with the same header and claims (the SDK may refuse more).
// header and payload are signed with the fuzz keys, so that what decides
// is the parsing, not a signature a fuzzer cannot forge; payload is also
// decoded alone as claims, and tried as a whole token as it is.
func FuzzParseJWT(f *testing.F) {
	keys := newFuzzKeys(f)
	claims := `{"iss":"https://tm.example","sub":"app-1","aud":["https://tm.example"],"exp":1767229200,"iat":1767225600,"nbf":1767225600,"jti":"j1","client_id":"c1","scope":"api:read","tenant":"default","owner_kind":"application","project":"p1"}`
	edHeader, ecHeader := `{"alg":"EdDSA","kid":"ed","typ":"at+jwt"}`, `{"alg":"ES256","kid":"ec","typ":"at+jwt"}`
	for _, s := range []struct{ header, payload string }{
		{edHeader, claims},
		{ecHeader, `{"iss":"a","aud":"b","exp":1.5e9,"nbf":null,"x":{"y":[1,-2.5e-3,true,false,null,"z"]}}`},
		{`{"alg":"EdDSA","kid":"ed","typ":"at+jwt","alg":"EdDSA"}`, `{"tenant_id":"t1"}`},
		{`{"\u0061lg":"EdDSA","kid":"e\u0064","typ":"at+jwt"}`, `{"iss":"\u00e9\ud83d\ude00","\u0069at":1}`},
		{`{"ALG":"EdDSA","alg":"EdDSA","kid":"ed"}`, `{"ISS":"x","iss":"y","exp":-1}`},
		{`{"alg":"EdDSA","kid":"ed","crit":["b64"],"b64":false}`, `{"iss":"a","iss":"b"}`},
		{edHeader, `{"aud":[1],"exp":"1"}`},
		{edHeader, " \t{\"exp\":1e400}\n"},
		{ecHeader, `{"a":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]}`},
	} {
		f.Add([]byte(s.header), []byte(s.payload))
	}
	// Whole tokens in payload: signed ones, whose acceptance go-jose must
	// share, and malformed ones.
	for _, tok := range []string{
		keys.sign(f, []byte(edHeader), []byte(claims)),
		keys.sign(f, []byte(ecHeader), []byte(claims)),
		"eyJhbGciOiJub25lIn0.e30.",
		"a.b.c.d",
	} {
		f.Add([]byte(edHeader), []byte(tok))
	}
	f.Fuzz(func(t *testing.T, header, payload []byte) {
		checkToken(t, keys, string(payload))
		checkToken(t, keys, keys.sign(t, header, payload))
		if c, ok := decodeClaims(payload); ok {
			var rc refClaims
			if err := josejson.Unmarshal(payload, &rc); err != nil {
				t.Fatalf("decoded %q, which go-jose refuses: %v", payload, err)
			}
			sameClaims(t, &c, &rc)
		}
	})
}

// parseJWS refuses what is not exactly three segments of canonical
// unpadded base64url around a JSON header without crit.
func TestParseJWSRefusesMalformed(t *testing.T) {
	keys := newFuzzKeys(t)
	good := keys.sign(t, []byte(`{"alg":"EdDSA","kid":"ed","typ":"at+jwt"}`), []byte(`{"iss":"a"}`))
	if _, ok := parseJWS(good); !ok {
		t.Fatal("a well-formed token was refused")
	}
	enc := base64.RawURLEncoding.EncodeToString
	p := strings.Split(good, ".")
	for name, raw := range map[string]string{
		"two segments":       p[0] + "." + p[1],
		"four segments":      good + ".eyJ9",
		"a trailing dot":     good + ".",
		"empty payload":      p[0] + ".." + p[2],
		"empty signature":    p[0] + "." + p[1] + ".",
		"padded":             p[0] + "." + p[1] + "." + p[2] + "==",
		"standard base64":    p[0] + "." + p[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(p[2]) + "+/",
		"header not JSON":    enc([]byte(`alg=EdDSA`)) + "." + p[1] + "." + p[2],
		"header an array":    enc([]byte(`["alg"]`)) + "." + p[1] + "." + p[2],
		"header twice alg":   enc([]byte(`{"alg":"EdDSA","alg":"none"}`)) + "." + p[1] + "." + p[2],
		"header with crit":   enc([]byte(`{"alg":"EdDSA","crit":["exp"],"exp":1}`)) + "." + p[1] + "." + p[2],
		"header alg number":  enc([]byte(`{"alg":1}`)) + "." + p[1] + "." + p[2],
		"header then junk":   enc([]byte(`{"alg":"EdDSA"}x`)) + "." + p[1] + "." + p[2],
		"header bad UTF-8":   enc([]byte("{\"kid\":\"\xff\"}")) + "." + p[1] + "." + p[2],
		"too long":           p[0] + "." + strings.Repeat("A", maxJWTLen) + "." + p[2],
		"header too deep":    enc([]byte(`{"x":`+strings.Repeat("[", maxJSONDepth)+strings.Repeat("]", maxJSONDepth)+`}`)) + "." + p[1] + "." + p[2],
		"not base64 at all":  "not.a.jwt",
		"whitespace in body": p[0] + ". " + p[1] + "." + p[2],
	} {
		if _, ok := parseJWS(raw); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
