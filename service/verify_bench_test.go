package service_test

import (
	"context"
	"testing"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/service"
)

// BenchmarkVerify measures the verify hot path with a warm cache: parse and
// checksum, keyed hash, cache lookups, effective permissions, usage buffer.
func BenchmarkVerify(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	benchVerifyParallel(b, svc, service.VerifyRequest{Token: issued.Plain, Permission: "results:upload", IP: "10.0.0.1"})
}

// BenchmarkVerifyColdCache measures a verify that misses the cache (first
// use after a change): one indexed read of the token and of the owner.
func BenchmarkVerifyColdCache(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	req := service.VerifyRequest{Token: issued.Plain, Permission: "results:upload", IP: "10.0.0.1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		svc.Invalidate(service.Change{Kind: service.ChangeAll})
		if _, err := svc.Verify(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRejectMistyped measures refusing a token whose checksum is
// wrong: no hashing, no lookup.
func BenchmarkVerifyRejectMistyped(b *testing.B) {
	svc, _, _, _ := newService(b)
	tok := []byte(secret.NewToken(tokenmint.KindUser))
	tok[10] ^= 1
	req := service.VerifyRequest{Token: string(tok)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Verify(context.Background(), req); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkCreateToken measures issuing a token (one insert).
func BenchmarkCreateToken(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
