package sdk_test

import (
	"context"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"tokenmint/sdk"
)

// b64 is the JWS spelling of a JSON value.
func b64(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// strayBits respells the last character of a base64url segment so that
// it decodes to the same bytes with different unused low bits.
func strayBits(tb testing.TB, seg string) string {
	tb.Helper()
	want, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, c := range alphabet {
		other := seg[:len(seg)-1] + string(c)
		if got, err := base64.RawURLEncoding.DecodeString(other); other != seg && err == nil && string(got) == string(want) {
			return other
		}
	}
	tb.Fatal("no other spelling")
	return ""
}

// A token that differs from a cached one in any way is checked afresh,
// refused, and never cached; the server is not asked about it.
func TestTamperedJWTNeverHitsTheCache(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", Now: func() time.Time { return start }})
	ctx := context.Background()
	tok := sign(t, signer, claims(start, "api:read"))
	if _, err := v.Verify(ctx, tok, "api:read", ""); err != nil {
		t.Fatal(err)
	}
	p := strings.Split(tok, ".")
	// flip changes one character into another of the base64url alphabet
	// (XOR-ing bits turned 'x', '8' or '-' into characters outside it, and
	// such a token no longer looks like a JWT: the SDK rightly asked the
	// server about it, and the test failed one run in a few).
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	wider := claims(start, "api:read api:write")
	tampered := map[string]string{
		"signature bit flipped":             p[0] + "." + p[1] + "." + flip(p[2], 10),
		"signature spelled with stray bits": p[0] + "." + p[1] + "." + strayBits(t, p[2]),
		"claims widened":                    p[0] + "." + b64(t, wider) + "." + p[2],
		"claims byte flipped":               p[0] + "." + flip(p[1], 20) + "." + p[2],
		"header says ES256":                 b64(t, map[string]string{"alg": "ES256", "kid": "k1", "typ": "at+jwt"}) + "." + p[1] + "." + p[2],
		"header says none":                  b64(t, map[string]string{"alg": "none", "kid": "k1", "typ": "at+jwt"}) + "." + p[1] + ".",
		"header with crit":                  b64(t, map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "at+jwt", "crit": []string{"exp"}}) + "." + p[1] + "." + p[2],
		"signature cut short":               p[0] + "." + p[1] + "." + p[2][:len(p[2])-4],
		"padding":                           p[0] + "." + p[1] + "." + p[2] + "==",
	}
	for name, bad := range tampered {
		for range 2 { // refused every time: a refusal is not cached either
			if _, err := v.Verify(ctx, bad, "api:read", ""); refusal(t, err) != 401 {
				t.Errorf("%s: %v, want 401", name, err)
			}
		}
		if sdk.IsJWTCached(v, bad) {
			t.Errorf("%s: cached", name)
		}
	}
	if n := sdk.CachedJWTs(v); n != 1 {
		t.Errorf("%d JWTs cached, want the good one only", n)
	}
	if n := f.verifyCalls.Load(); n != 1 {
		t.Errorf("the server was asked %d times, want once (about the good token)", n)
	}
	if id, err := v.Verify(ctx, tok, "api:read", ""); err != nil || id.TokenID != "j1" {
		t.Errorf("the good token after the tampered ones: %+v, %v", id, err)
	}
}

// ES256 tokens verify like EdDSA ones; a signature in ASN.1 DER rather
// than JWS's fixed-size R||S, or a header naming the other algorithm, is
// refused.
func TestES256JWT(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addES256Key(t, "e1")
	ctx := context.Background()
	tok := sign(t, signer, claims(start, "api:read"))
	for _, offline := range []bool{true, false} {
		v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: offline, Now: func() time.Time { return start }})
		if id, err := v.Verify(ctx, tok, "api:read", ""); err != nil || id.TokenID != "j1" {
			t.Errorf("OfflineJWT=%v: %+v, %v", offline, id, err)
		}
	}
	p := strings.Split(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(p[2])
	if err != nil || len(sig) != 64 {
		t.Fatalf("ES256 signature: %d bytes, %v", len(sig), err)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	if err != nil {
		t.Fatal(err)
	}
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return start }})
	for name, bad := range map[string]string{
		"DER signature":     p[0] + "." + p[1] + "." + base64.RawURLEncoding.EncodeToString(der),
		"header says EdDSA": b64(t, map[string]string{"alg": "EdDSA", "kid": "e1", "typ": "at+jwt"}) + "." + p[1] + "." + p[2],
	} {
		if _, err := v.Verify(ctx, bad, "", ""); refusal(t, err) != 401 {
			t.Errorf("%s: %v, want 401", name, err)
		}
	}
}
