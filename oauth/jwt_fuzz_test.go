package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/sqlite"
)

// fuzzIssuer is the issuer the fuzzed tokens are verified against.
const fuzzIssuer = "tokenmint-fuzz"

// How FuzzVerifyJWT signs the header and claims it is given.
const (
	signRing      = iota // the ring's active key: the only way to be accepted
	signAttacker         // another key of the same algorithm
	signHMACKey          // HS256 keyed with the ring's public key (algorithm confusion)
	signEmpty            // no signature at all, as with alg "none"
	signRawHeader        // the header text is the whole token, as sent
	signModes
)

// FuzzVerifyJWT builds JWTs from a fuzzed header and claims and signs them
// in one of several ways: a token is accepted only when the ring's own key
// signed it, its header names that key's kid, algorithm and the at+jwt
// type, and the claims Verify returns are those signed. Nothing panics,
// whatever the header and claims hold (alg "none", HS256, unknown kid,
// huge or nested claims, wrong typ). In header and claims, {kid} stands
// for the ring's active key ID, {alg} for its algorithm, {iss} for the
// issuer and {now} for the current Unix time (with {exp} an hour later),
// so the seeds can reach acceptance although each run has its own key.
func FuzzVerifyJWT(f *testing.F) {
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	// One ring per algorithm, each on a database of its own, so neither
	// publishes the other's keys.
	var rings [2]fuzzRing
	for i, alg := range []string{tokenmint.AlgEdDSA, tokenmint.AlgES256} {
		rings[i] = newFuzzRing(f, clock, alg)
	}
	good := `{"iss":"{iss}","sub":"u1","aud":["{iss}"],"exp":{exp},"iat":{now},"nbf":{now},"jti":"j1","client_id":"c","scope":"api:read","tenant":"default","tenant_id":"t1"}`
	for _, s := range []struct {
		mode           uint8
		header, claims string
	}{
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, good},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"application/at+jwt"}`, good},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"JWT"}`, good},
		{signRing, `{"alg":"{alg}","kid":"unknown","typ":"at+jwt"}`, good},
		{signRing, `{"alg":"ES256","kid":"{kid}","typ":"at+jwt"}`, good},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt","crit":["exp"]}`, good},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}`, good},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, `{"iss":"{iss}","sub":"u1","exp":{now},"jti":"j1"}`},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, `{"iss":"other","sub":"u1","exp":{exp},"jti":"j1"}`},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, `{"iss":"{iss}","sub":"u1","exp":{exp},"jti":"j1","scope":"not a scope !"}`},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, `{"iss":"{iss}","sub":"u1","exp":{exp},"jti":"j1","scope":{"a":{"b":{"c":[[[[[[[[1]]]]]]]]}}}}`},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, `{"iss":"{iss}","sub":"u1","exp":1e400,"jti":"j1"}`},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, `{"iss":"{iss}","sub":"u1","exp":-9223372036854775808,"jti":"j1"}`},
		{signRing, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, `{"iss":"{iss}","sub":"u1","sub":"u2","exp":{exp},"jti":"j1"}`},
		{signRing, `{"alg":"{alg}","kid":"{kid}","KID":"x","typ":"at+jwt"}`, good},
		{signAttacker, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, good},
		{signHMACKey, `{"alg":"HS256","kid":"{kid}","typ":"at+jwt"}`, good},
		{signEmpty, `{"alg":"none","kid":"{kid}","typ":"at+jwt"}`, good},
		{signEmpty, `{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}`, good},
		{signRawHeader, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.", ""},
		{signRawHeader, "a.b.c.d.e", ""},
		{signRawHeader, `{"protected":"eyJhbGciOiJFZERTQSJ9","payload":"e30","signature":""}`, ""},
		{signRawHeader, strings.Repeat("eyJ", 1000) + ".." + strings.Repeat("A", 1000), ""},
	} {
		f.Add(false, s.mode, s.header, s.claims)
		f.Add(true, s.mode, s.header, s.claims)
	}

	f.Fuzz(func(t *testing.T, es256 bool, mode uint8, header, claims string) {
		r := rings[0]
		if es256 {
			r = rings[1]
		}
		ring, active := r.ring, r.active
		expand := strings.NewReplacer("{kid}", active.meta.ID, "{alg}", active.meta.Algorithm, "{iss}", fuzzIssuer,
			"{now}", strconv.FormatInt(clock.Now().Unix(), 10), "{exp}", strconv.FormatInt(clock.Now().Add(time.Hour).Unix(), 10))
		header, claims = expand.Replace(header), expand.Replace(claims)
		mode %= signModes
		raw := header
		if mode != signRawHeader {
			input := b64(header) + "." + b64(claims)
			var sig []byte
			switch mode {
			case signRing:
				sig = signWith(t, active.private, input)
			case signAttacker:
				sig = signWith(t, r.attacker, input)
			case signHMACKey:
				mac := hmac.New(sha256.New, r.publicDER)
				mac.Write([]byte(input))
				sig = mac.Sum(nil)
			}
			raw = input + "." + b64(string(sig))
		}
		got, err := ring.Verify(context.Background(), raw, fuzzIssuer)
		if err != nil {
			if tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
				t.Fatalf("Verify(%q) error %v, want unauthorized", raw, err)
			}
			return
		}
		if mode != signRing {
			t.Fatalf("accepted a token the ring did not sign (mode %d): %q", mode, raw)
		}
		h := jsonFields(header)
		if h["kid"] != active.meta.ID || h["alg"] != active.meta.Algorithm {
			t.Fatalf("accepted a token whose header names kid %q, alg %q: %s", h["kid"], h["alg"], header)
		}
		if typ := strings.ToLower(h["typ"]); typ != AccessTokenType && typ != "application/"+AccessTokenType {
			t.Fatalf("accepted a token of typ %q", h["typ"])
		}
		c := jsonFields(claims)
		if got.Subject != c["sub"] || got.JTI != c["jti"] || got.Issuer != fuzzIssuer || got.Subject == "" || got.JTI == "" {
			t.Fatalf("Verify returned %+v for claims %s", got, claims)
		}
		if !clock.Now().Before(got.ExpiresAt) {
			t.Fatalf("accepted a token that expired at %v", got.ExpiresAt)
		}
	})
}

// fuzzRing is a key ring with what FuzzVerifyJWT signs with: the ring's
// active key, a key of the same algorithm unknown to the ring, and the
// active key's public half as DER (the HMAC key of an algorithm confusion).
type fuzzRing struct {
	ring      *KeyRing
	active    *key
	attacker  crypto.Signer
	publicDER []byte
}

func newFuzzRing(f *testing.F, clock tokenmint.Clock, alg string) fuzzRing {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(f.TempDir(), alg+".db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	ring := NewKeyRing(KeyConfig{Store: db, MasterKey: secret.RandomMasterKey(), Clock: clock, Algorithm: alg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RotateEvery: -1})
	if err := ring.Ensure(ctx); err != nil {
		f.Fatal(err)
	}
	active, err := ring.activeKey(ctx)
	if err != nil {
		f.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(active.public)
	if err != nil {
		f.Fatal(err)
	}
	return fuzzRing{ring: ring, active: active, attacker: attackerKey(f, alg), publicDER: der}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// jsonFields returns the string members of a JSON object as
// encoding/json reads them (the last of duplicate names wins, names are
// case-sensitive), as go-jose reads a header.
func jsonFields(s string) map[string]string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(s), &m)
	out := map[string]string{}
	for k, v := range m {
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = str
		}
	}
	return out
}

// attackerKey is a key of the ring's algorithm that the ring does not know.
func attackerKey(tb testing.TB, alg string) crypto.Signer {
	tb.Helper()
	if alg == tokenmint.AlgES256 {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// signWith signs a JWS signing input as JOSE wants it: Ed25519 as is,
// ECDSA P-256 as the 64-byte r||s of RFC 7518 §3.4.
func signWith(t *testing.T, key crypto.Signer, input string) []byte {
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, []byte(input))
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
	t.Fatalf("unexpected key type %T", key)
	return nil
}
