package http_test

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkVerifyHandlerRateLimited is BenchmarkVerifyHandler for a token
// with a generous limit of its own and an owner limit (never refused):
// against it, the cost of rate limiting and its three headers.
func BenchmarkVerifyHandlerRateLimited(b *testing.B) {
	e := startEnv(b, io.Discard, false)
	limit := map[string]any{"requests": 1_000_000, "per_seconds": 1}
	if r := e.admin.do("PUT", "/api/v1/users/admin/rate-limit", limit); r.status != http.StatusOK {
		b.Fatalf("owner limit: %d %s", r.status, r.body)
	}
	plain, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "bench", "rate_limit": limit})
	req, _ := http.NewRequest("GET", "/api/v1/auth/verify?permission=results:upload", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("Authorization", "Bearer "+plain)
	benchHandler(b, e.srv.Config.Handler, req, http.StatusOK)
}
