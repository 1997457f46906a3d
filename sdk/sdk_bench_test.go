package sdk_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"tokenmint/sdk"
)

// jwksServer serves a JWKS with one Ed25519 key and returns a signer for
// it, standing in for a tokenmint server.
func jwksServer(tb testing.TB) (*httptest.Server, jose.Signer) {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "k1", Algorithm: "EdDSA", Use: "sig"}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(set)
	}))
	tb.Cleanup(srv.Close)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: priv, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		tb.Fatal(err)
	}
	return srv, signer
}

func signed(tb testing.TB, s jose.Signer, exp time.Time, scope string) string {
	tb.Helper()
	raw, err := jwt.Signed(s).Claims(map[string]any{
		"iss": "iss", "sub": "app-1", "aud": "iss", "exp": exp.Unix(), "iat": exp.Add(-time.Hour).Unix(),
		"jti": "j1", "client_id": "c1", "scope": scope, "tenant": "default", "owner_kind": "application",
	}).Serialize()
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func TestOfflineJWT(t *testing.T) {
	srv, signer := jwksServer(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := sdk.New(sdk.Config{ServerURL: srv.URL, Issuer: "iss", Now: func() time.Time { return now }})
	tok := signed(t, signer, now.Add(time.Hour), "api:read")
	id, err := v.Verify(context.Background(), tok, "api:read", "")
	if err != nil || id.Subject != "app-1" || !id.JWT || !id.Has("api:read") {
		t.Fatalf("Verify = %+v, %v", id, err)
	}
	if _, err := v.Verify(context.Background(), tok, "api:write", ""); err == nil || err.(*sdk.Error).Status != 403 {
		t.Errorf("missing scope: %v", err)
	}
	other := sdk.New(sdk.Config{ServerURL: srv.URL, Issuer: "another", Now: func() time.Time { return now }})
	if _, err := other.Verify(context.Background(), tok, "", ""); err == nil || err.(*sdk.Error).Status != 401 {
		t.Errorf("wrong issuer: %v", err)
	}
	late := sdk.New(sdk.Config{ServerURL: srv.URL, Issuer: "iss", Now: func() time.Time { return now.Add(time.Hour) }})
	if _, err := late.Verify(context.Background(), tok, "", ""); err == nil || err.(*sdk.Error).Status != 401 {
		t.Errorf("expired: %v", err)
	}
}

// BenchmarkVerifyJWTOffline measures the SDK verifying a JWT access token
// from its cached JWKS: no network.
func BenchmarkVerifyJWTOffline(b *testing.B) {
	srv, signer := jwksServer(b)
	now := time.Now()
	v := sdk.New(sdk.Config{ServerURL: srv.URL, Issuer: "iss"})
	tok := signed(b, signer, now.Add(time.Hour), "api:read")
	if _, err := v.Verify(context.Background(), tok, "api:read", ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(context.Background(), tok, "api:read", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}
