package http_test

import (
	"io"
	"net/http"
	"testing"
)

// discardWriter is the cheapest ResponseWriter: the benchmarks below measure
// tokenmint's own layer (routing, metrics, client IP, verification, the
// JSON answer), not the network or net/http's connection handling, which a
// bare handler pays as well.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = http.StatusOK
}

// benchVerifyRequest runs req through h b.N times, failing on any answer
// but want.
func benchHandler(b *testing.B, h http.Handler, req *http.Request, want int) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		r := req.Clone(req.Context())
		for pb.Next() {
			w.reset()
			h.ServeHTTP(w, r)
			if w.status != want {
				b.Errorf("status %d, want %d", w.status, want)
				return
			}
		}
	})
}

// BenchmarkVerifyHandler is GET /api/v1/auth/verify with an opaque token
// through the whole HTTP handler, on a warm cache.
func BenchmarkVerifyHandler(b *testing.B) {
	e := startEnv(b, io.Discard, false)
	plain, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "bench"})
	req, _ := http.NewRequest("GET", "/api/v1/auth/verify?permission=results:upload", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("Authorization", "Bearer "+plain)
	benchHandler(b, e.srv.Config.Handler, req, http.StatusOK)
}

// BenchmarkVerifyHandlerJWT is the same with a client_credentials JWT.
func BenchmarkVerifyHandlerJWT(b *testing.B) {
	e := startEnv(b, io.Discard, true)
	_, clientID, secret, _ := e.appClient("bench-app", "read-write")
	jwt := e.clientToken(clientID, secret, "")
	req, _ := http.NewRequest("GET", "/api/v1/auth/verify?permission=api:read", nil)
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("Authorization", "Bearer "+jwt)
	benchHandler(b, e.srv.Config.Handler, req, http.StatusOK)
}

// BenchmarkBareHandler is the baseline: a handler that writes a small JSON
// answer and nothing else.
func BenchmarkBareHandler(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"active":true}`))
	})
	req, _ := http.NewRequest("GET", "/api/v1/auth/verify?permission=results:upload", nil)
	benchHandler(b, h, req, http.StatusOK)
}
