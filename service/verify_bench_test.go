package service_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// newService returns a service on a fresh SQLite file with a signed-in
// admin principal in the returned context.
func newService(tb testing.TB) (*service.Service, context.Context, *sqlite.DB, *tokenmint.FakeClock) {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	clock := tokenmint.NewFakeClock(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	svc := service.New(service.Config{
		Store: db, Types: typesfile.Defaults(), Clock: clock,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{1}, 32)),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PasswordParams: &secret.TestPasswordParams,
	})
	tb.Cleanup(func() { svc.Close(context.Background()); db.Close() })
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "bench-password"); err != nil {
		tb.Fatal(err)
	}
	t, _ := db.TenantByName(ctx, "default")
	u, _ := db.UserByUsername(ctx, t.ID, "admin")
	p, _, err := svc.SessionPrincipalForUser(ctx, u)
	if err != nil {
		tb.Fatal(err)
	}
	return svc, tokenmint.NewContextWithPrincipal(ctx, p), db, clock
}

// BenchmarkVerify measures the verify hot path with a warm cache: parse and
// checksum, keyed hash, cache lookups, effective permissions, usage buffer.
func BenchmarkVerify(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	req := service.VerifyRequest{Token: issued.Plain, Permission: "results:upload", IP: "10.0.0.1"}
	if _, err := svc.Verify(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Verify(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
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
