package sdk_test

import (
	"context"
	"testing"
	"time"

	"tokenmint/sdk"
)

// BenchmarkVerifyJWTOffline measures the SDK verifying a JWT access token
// from its cached JWKS with Config.OfflineJWT: no network.
func BenchmarkVerifyJWTOffline(b *testing.B) {
	benchmarkVerifyJWT(b, sdk.Config{OfflineJWT: true})
}

// BenchmarkVerifyJWTChecked measures the default: the offline checks plus
// the server's answer about the token, from the cache (the server is asked
// once per CacheTTL, here once in all).
func BenchmarkVerifyJWTChecked(b *testing.B) {
	benchmarkVerifyJWT(b, sdk.Config{CacheTTL: time.Hour})
}

func benchmarkVerifyJWT(b *testing.B, cfg sdk.Config) {
	f := newFakeTokenmint(b)
	signer := f.addKey(b, "k1")
	cfg.ServerURL, cfg.Issuer = f.URL, "iss"
	v := sdk.New(cfg)
	tok := signed(b, signer, time.Now().Add(time.Hour), "api:read")
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
