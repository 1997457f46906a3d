package service_test

import (
	"testing"

	"tokenmint"
	"tokenmint/service"
)

// BenchmarkVerifyRateLimited is BenchmarkVerify for a token with a
// generous limit of its own and an owner limit, never refused: against
// BenchmarkVerify it is the cost of the rate limit step (counted against
// two sliding windows, no allocation).
func BenchmarkVerifyRateLimited(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	if err := svc.SetOwnerRateLimit(ctx, tokenmint.OwnerUser, "admin", tokenmint.RateLimit{Requests: tokenmint.MaxRateLimitRequests, PerSeconds: 1}); err != nil {
		b.Fatal(err)
	}
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "bench", RateLimit: tokenmint.RateLimit{Requests: tokenmint.MaxRateLimitRequests, PerSeconds: 1}})
	if err != nil {
		b.Fatal(err)
	}
	benchVerifyParallel(b, svc, service.VerifyRequest{Token: issued.Plain, Permission: "results:upload", IP: "10.0.0.1"})
}
